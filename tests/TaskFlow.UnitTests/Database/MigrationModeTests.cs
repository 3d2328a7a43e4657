using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace TaskFlow.UnitTests.Database;

/// <summary>Database:Migrations: who migrates a service's schema (deploy/k8s sets Wait; its migration job runs --migrate).</summary>
public sealed class MigrationModeTests
{
    [Theory]
    [InlineData(null, MigrationMode.Apply)]
    [InlineData("", MigrationMode.Apply)]
    [InlineData("Apply", MigrationMode.Apply)]
    [InlineData("wait", MigrationMode.Wait)]
    public void The_mode_defaults_to_applying_and_reads_either_name(string? value, MigrationMode expected) =>
        Assert.Equal(expected, DatabaseMigrations.Mode(Configuration(value)));

    [Theory]
    [InlineData("Skip")]
    [InlineData("1")]
    [InlineData("5")]
    public void Anything_else_stops_the_service_saying_what_to_set(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DatabaseMigrations.Mode(Configuration(value)));
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Database__Migrations to Apply", error.Message, StringComparison.Ordinal);
        Assert.Contains(DatabaseMigrations.MigrateSwitch, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(DatabaseMigrations.ModeKey, value)]).Build();
}
