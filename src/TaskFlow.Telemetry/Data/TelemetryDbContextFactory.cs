using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace TaskFlow.Telemetry.Data;

/// <summary>
/// Lets <c>dotnet ef</c> build the model without a running service. Adding a migration needs no database; for
/// <c>dotnet ef database update</c> set <c>ConnectionStrings__taskflowdb</c>.
/// </summary>
internal sealed class TelemetryDbContextFactory : IDesignTimeDbContextFactory<TelemetryDbContext>
{
    public TelemetryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TelemetryDbContext>()
            .UseNpgsql(
                Environment.GetEnvironmentVariable("ConnectionStrings__taskflowdb") ?? "Host=localhost;Database=taskflowdb",
                npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", TelemetryDbContext.Schema))
            .Options);
}
