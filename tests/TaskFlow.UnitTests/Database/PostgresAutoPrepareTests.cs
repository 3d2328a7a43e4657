using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace TaskFlow.UnitTests.Database;

/// <summary>How many statements each connection keeps prepared (Database:MaxAutoPrepare), unless its connection string says.</summary>
public sealed class PostgresAutoPrepareTests
{
    private const string Aspire = "Host=localhost;Port=5432;Username=postgres;Password=secret;Database=taskflowdb";

    [Fact]
    public void A_connection_string_without_it_gets_the_default_and_keeps_everything_else()
    {
        var result = new NpgsqlConnectionStringBuilder(PostgresAutoPrepare.With(Aspire, Configuration(null)));

        Assert.Equal(PostgresAutoPrepare.Default, result.MaxAutoPrepare);
        Assert.Equal(("localhost", 5432, "postgres", "secret", "taskflowdb"), (result.Host, result.Port, result.Username, result.Password, result.Database));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("200", 200)]
    public void The_setting_changes_it_and_0_turns_it_off(string value, int expected)
    {
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(PostgresAutoPrepare.With(Aspire, Configuration(value))).MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Max Auto Prepare=7")]
    [InlineData("maxautoprepare=7")]
    public void An_operators_own_value_in_the_connection_string_wins(string own)
    {
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(PostgresAutoPrepare.With($"{Aspire};{own}", Configuration("200"))).MaxAutoPrepare);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("1001")]
    public void A_value_that_is_not_a_count_stops_the_service_saying_what_to_set(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PostgresAutoPrepare.With(Aspire, Configuration(value)));
        Assert.Contains("Database__MaxAutoPrepare", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(PostgresAutoPrepare.Key, value)]).Build();
}
