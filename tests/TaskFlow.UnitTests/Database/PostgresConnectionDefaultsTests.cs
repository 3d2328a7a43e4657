using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace TaskFlow.UnitTests.Database;

/// <summary>
/// Each service's PostgreSQL connection budget (Database:MaxPoolSize) and prepared statements per connection
/// (Database:MaxAutoPrepare), unless its connection string names them.
/// </summary>
public sealed class PostgresConnectionDefaultsTests
{
    private const string Aspire = "Host=localhost;Port=5432;Username=postgres;Password=secret;Database=taskflowdb";

    [Fact]
    public void A_connection_string_without_them_gets_the_defaults_and_keeps_everything_else()
    {
        var result = Apply(Aspire);

        Assert.Equal((PostgresConnectionDefaults.DefaultMaxPoolSize, PostgresConnectionDefaults.DefaultMaxAutoPrepare), (result.MaxPoolSize, result.MaxAutoPrepare));
        Assert.Equal(("localhost", 5432, "postgres", "secret", "taskflowdb"), (result.Host, result.Port, result.Username, result.Password, result.Database));
    }

    [Theory]
    [InlineData("64", "0", 64, 0)]
    [InlineData("1", "200", 1, 200)]
    public void The_settings_change_them_and_0_prepares_nothing(string poolSize, string autoPrepare, int expectedPool, int expectedPrepared)
    {
        var result = Apply(Aspire, poolSize, autoPrepare);

        Assert.Equal((expectedPool, expectedPrepared), (result.MaxPoolSize, result.MaxAutoPrepare));
    }

    [Theory]
    [InlineData("Maximum Pool Size=7;Max Auto Prepare=9")]
    [InlineData("MaxPoolSize=7;maxautoprepare=9")]
    [InlineData("maximum pool size=7;MaxAutoPrepare=9")]
    public void An_operators_own_values_in_the_connection_string_win(string own)
    {
        var result = Apply($"{Aspire};{own}", "64", "200");

        Assert.Equal((7, 9), (result.MaxPoolSize, result.MaxAutoPrepare));
    }

    [Fact]
    public void One_named_by_the_operator_leaves_the_other_to_the_setting()
    {
        var pool = Apply($"{Aspire};Maximum Pool Size=7", "64", "200");
        var prepared = Apply($"{Aspire};Max Auto Prepare=9", "64", "200");

        Assert.Equal((7, 200), (pool.MaxPoolSize, pool.MaxAutoPrepare));
        Assert.Equal((64, 9), (prepared.MaxPoolSize, prepared.MaxAutoPrepare));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    [InlineData("1001")]
    public void A_budget_that_is_not_a_count_stops_the_service_saying_what_to_set(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Apply(Aspire, poolSize: value));
        Assert.Contains("Database__MaxPoolSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_connections", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("1001")]
    public void A_prepared_count_that_is_not_one_stops_the_service_saying_what_to_set(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Apply(Aspire, autoPrepare: value));
        Assert.Contains("Database__MaxAutoPrepare", error.Message, StringComparison.Ordinal);
    }

    private static NpgsqlConnectionStringBuilder Apply(string connectionString, string? poolSize = null, string? autoPrepare = null) =>
        new(PostgresConnectionDefaults.Apply(connectionString, new ConfigurationBuilder().AddInMemoryCollection(
        [
            new(PostgresConnectionDefaults.MaxPoolSizeKey, poolSize),
            new(PostgresConnectionDefaults.MaxAutoPrepareKey, autoPrepare),
        ]).Build()));
}
