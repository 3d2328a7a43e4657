using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Stands in for Aspire.Npgsql.EntityFrameworkCore.PostgreSQL: a DbContext on <c>ConnectionStrings:taskflowdb</c>,
/// with each service's tables and migration history in its own schema, retries on transient faults and through a
/// server restart, a health check, and migrations applied before the service starts serving.
/// </summary>
public static class PostgresClientExtensions
{
    public const string DatabaseConnectionName = "taskflowdb";

    public static IHostApplicationBuilder AddTaskFlowDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string schema,
        Action<DbContextOptionsBuilder>? configure = null)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetRequiredConnectionString(DatabaseConnectionName);
        builder.Services.AddDbContextPool<TContext>(options =>
        {
            options.UseNpgsql(connectionString, npgsql => npgsql
                .MigrationsHistoryTable("__EFMigrationsHistory", schema)
                .ExecutionStrategy(dependencies => new PostgresRestartRetryStrategy(dependencies)));
            configure?.Invoke(options);
        });
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>($"postgres-{schema}", tags: ["ready"]);
        builder.Services.AddHostedService<DatabaseMigrator<TContext>>();
        return builder;
    }
}
