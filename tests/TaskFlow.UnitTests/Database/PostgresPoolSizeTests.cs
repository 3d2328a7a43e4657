using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace TaskFlow.UnitTests.Database;

/// <summary>Each service's PostgreSQL connection budget (Database:MaxPoolSize), unless its connection string names one.</summary>
public sealed class PostgresPoolSizeTests
{
    private const string Aspire = "Host=localhost;Port=5432;Username=postgres;Password=secret;Database=taskflowdb";

    [Fact]
    public void A_connection_string_without_a_maximum_gets_the_default_budget_and_keeps_everything_else()
    {
        var result = new NpgsqlConnectionStringBuilder(PostgresPoolSize.WithMaximum(Aspire, Configuration(null)));

        Assert.Equal(PostgresPoolSize.Default, result.MaxPoolSize);
        Assert.Equal(("localhost", 5432, "postgres", "secret", "taskflowdb"), (result.Host, result.Port, result.Username, result.Password, result.Database));
    }

    [Fact]
    public void The_setting_changes_the_budget()
    {
        Assert.Equal(64, new NpgsqlConnectionStringBuilder(PostgresPoolSize.WithMaximum(Aspire, Configuration("64"))).MaxPoolSize);
    }

    [Theory]
    [InlineData("Maximum Pool Size=7")]
    [InlineData("MaxPoolSize=7")]
    [InlineData("maximum pool size=7")]
    public void An_operators_own_maximum_in_the_connection_string_wins(string maximum)
    {
        var result = PostgresPoolSize.WithMaximum($"{Aspire};{maximum}", Configuration("64"));

        Assert.Equal(7, new NpgsqlConnectionStringBuilder(result).MaxPoolSize);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    [InlineData("1001")]
    public void A_budget_that_is_not_a_count_stops_the_service_saying_what_to_set(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PostgresPoolSize.WithMaximum(Aspire, Configuration(value)));
        Assert.Contains("Database__MaxPoolSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_connections", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(PostgresPoolSize.Key, value)]).Build();
}
