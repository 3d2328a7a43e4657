using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A pooled DbContext on <c>ConnectionStrings:taskflowdb</c> through Aspire.Npgsql.EntityFrameworkCore.PostgreSQL (its
/// health check, tracing and metrics), with each service's tables and migration history in its own schema, retries on
/// transient faults and through a server restart, and migrations applied (or, on
/// Kubernetes, awaited) before the service starts serving: <see cref="DatabaseMigrations"/>.
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
        builder.AddNpgsqlDbContext<TContext>(
            DatabaseConnectionName,
            settings =>
            {
                if (settings.ConnectionString is not { Length: > 0 })
                {
                    throw ConnectionStringExtensions.Missing(DatabaseConnectionName);
                }
                settings.ConnectionString = PostgresConnectionDefaults.Apply(settings.ConnectionString, builder.Configuration);
                // Aspire's own retry (EnableRetryOnFailure) treats a restarted server's dead pooled connections (57P01)
                // as fatal; the strategy set below rides the restart out, so Aspire must not set one of its own.
                settings.DisableRetry = true;
            },
            options =>
            {
                options.UseNpgsql(npgsql => npgsql
                    .MigrationsHistoryTable("__EFMigrationsHistory", schema)
                    .ExecutionStrategy(dependencies => new PostgresRestartRetryStrategy(dependencies)));
                configure?.Invoke(options);
            });
        // Aspire names the check after the context (ChatDbContext, IdentityDb, TelemetryDbContext).
        builder.Services.TagHealthCheck(typeof(TContext).Name, HealthTags.Ready);
        builder.Services.AddSingleton<DatabaseMigration<TContext>>();
        builder.Services.AddSingleton<IDatabaseMigration>(services => services.GetRequiredService<DatabaseMigration<TContext>>());
        builder.Services.AddHostedService<DatabaseMigrator<TContext>>();
        return builder;
    }
}
