using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Who brings a service's database schema up to date (<c>Database:Migrations</c>). One process (a local run) applies
/// its migrations itself; on Kubernetes a rollout's one migration job applies them (<c>--migrate</c>, see
/// <see cref="DatabaseMigrations.RunService"/>) and the replicas only wait for it, so no two replicas race to change
/// the schema.
/// </summary>
public enum MigrationMode
{
    /// <summary>Apply pending migrations at start-up, before the service listens (local runs, the AppHost).</summary>
    Apply,

    /// <summary>Apply none; wait at start-up until the migration job has applied them all.</summary>
    Wait,
}

public static class DatabaseMigrations
{
    public const string ModeKey = "Database:Migrations";

    /// <summary>The command-line switch that applies the migrations and exits, without serving anything.</summary>
    public const string MigrateSwitch = "--migrate";

    internal static readonly ActivitySource Source = new("TaskFlow.Migrations");

    public static MigrationMode Mode(IConfiguration configuration)
    {
        var raw = configuration[ModeKey];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return MigrationMode.Apply;
        }
        // By name only: Enum.TryParse would take "1" for Wait.
        return Enum.GetNames<MigrationMode>().FirstOrDefault(name => string.Equals(name, raw.Trim(), StringComparison.OrdinalIgnoreCase)) is { } known
            ? Enum.Parse<MigrationMode>(known)
            : throw new InvalidOperationException(
                $"{ModeKey} is '{raw}': set Database__Migrations to Apply (this process migrates at start-up) or Wait (a migration job does; start it with {MigrateSwitch}).");
    }

    /// <summary>
    /// Runs the service, or with <c>--migrate</c> on its command line applies its schema's migrations and returns
    /// (exit code 0 when they are applied, 1 with the reason otherwise): the rollout's migration job. Nothing is
    /// started for <c>--migrate</c>: no listener, no bus, no background work.
    /// </summary>
    public static int RunService(this WebApplication app, string[] args)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(args);
        if (!args.Contains(MigrateSwitch, StringComparer.Ordinal))
        {
            app.Run();
            return 0;
        }

        var migrations = app.Services.GetServices<IDatabaseMigration>().ToList();
        if (migrations.Count == 0)
        {
            app.Logger.LogInformation("{Service} has no database schema: nothing to migrate", app.Environment.ApplicationName);
            return 0;
        }
        try
        {
            foreach (var migration in migrations)
            {
                migration.ApplyAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            return 0;
        }
        catch (Exception ex)
        {
            app.Logger.LogError("Migrating failed: {Message}. Is PostgreSQL reachable with ConnectionStrings__taskflowdb, and may that user create tables?", ex.Message);
            return 1;
        }
    }
}

/// <summary>One DbContext's migrations, applied (with retries while PostgreSQL is unreachable) or waited for.</summary>
internal interface IDatabaseMigration
{
    string Name { get; }

    Task ApplyAsync(CancellationToken cancellationToken);

    Task WaitUntilAppliedAsync(CancellationToken cancellationToken);
}

internal sealed class DatabaseMigration<TContext>(IServiceProvider services, ILogger<DatabaseMigration<TContext>> logger) : IDatabaseMigration
    where TContext : DbContext
{
    public string Name => typeof(TContext).Name;

    public Task ApplyAsync(CancellationToken cancellationToken) =>
        RunAsync("migrate", async context =>
        {
            // EF Core reads the applied migrations before it creates the history table, and logs PostgreSQL's "relation
            // does not exist" as a failed command: an error in the log of every first start. Created first, it is empty.
            if (!await HistoryTableExistsAsync(context, cancellationToken))
            {
                await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
            }
            await context.Database.MigrateAsync(cancellationToken);
            logger.LogInformation("Database schema for {Context} is up to date", Name);
            return true;
        }, cancellationToken);

    public Task WaitUntilAppliedAsync(CancellationToken cancellationToken) =>
        RunAsync("wait for migrations of", async context =>
        {
            // Before the first migration there is no history table; asking it for applied migrations would log an error
            // every round for as long as the replica waits. Npgsql's own ExistsAsync always answers true, so it is asked here.
            var pending = await HistoryTableExistsAsync(context, cancellationToken)
                ? (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList()
                : context.Database.GetMigrations().ToList();
            if (pending.Count == 0)
            {
                logger.LogInformation("Database schema for {Context} is up to date", Name);
                return true;
            }
            logger.LogWarning("Waiting for the migration job: {Context} has {Count} pending migrations (the first is {First}). Run the service once with {Switch}, or set {Key} to Apply.",
                Name, pending.Count, pending[0], DatabaseMigrations.MigrateSwitch, DatabaseMigrations.ModeKey);
            return false;
        }, cancellationToken);

    private static async Task<bool> HistoryTableExistsAsync(TContext context, CancellationToken cancellationToken)
    {
        var options = context.GetService<IDbContextOptions>().Extensions.OfType<RelationalOptionsExtension>().Single();
        var table = options.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName;
        var schema = options.MigrationsHistoryTableSchema ?? context.Model.GetDefaultSchema() ?? "public";
        return await context.Database
            .SqlQuery<bool>($"SELECT to_regclass(format('%I.%I', {schema}, {table})) IS NOT NULL AS \"Value\"")
            .SingleAsync(cancellationToken);
    }

    private async Task RunAsync(string what, Func<TContext, Task<bool>> step, CancellationToken cancellationToken)
    {
        using var activity = DatabaseMigrations.Source.StartActivity($"{what} {Name}");
        await new MigrationRounds(logger, $"{what} {Name}").RunAsync(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            return await step(scope.ServiceProvider.GetRequiredService<TContext>());
        }, cancellationToken);
    }
}

/// <summary>
/// Runs a start-up step against PostgreSQL in rounds until it reports done: a round that fails is retried while
/// PostgreSQL may come back, a round that finds nothing to do yet (a migration job still running) is repeated without
/// limit. Only failures in a row count against <see cref="MaxAttempts"/>: a replica may wait for its migration job for an
/// hour, and a PostgreSQL restart late in that wait deserves the same retries as one at the start.
/// </summary>
internal sealed class MigrationRounds
{
    public const int MaxAttempts = 30;

    private const int LongestPauseInUnits = 5;

    private readonly ILogger _logger;
    private readonly string _what;
    private readonly TimeSpan _delayUnit;
    private readonly ResiliencePipeline<bool> _retry;

    /// <param name="delayUnit">The first pause; each further one is a unit longer, up to five (one second by default).</param>
    public MigrationRounds(ILogger logger, string what, TimeSpan? delayUnit = null)
    {
        _logger = logger;
        _what = what;
        _delayUnit = delayUnit ?? TimeSpan.FromSeconds(1);
        _retry = new ResiliencePipelineBuilder<bool>()
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = new PredicateBuilder<bool>().Handle<Exception>(ex => ex is not OperationCanceledException && !IsPermanent(ex)),
                MaxRetryAttempts = MaxAttempts - 1,
                BackoffType = DelayBackoffType.Linear,
                UseJitter = false,
                Delay = _delayUnit,
                MaxDelay = _delayUnit * LongestPauseInUnits,
                OnRetry = args =>
                {
                    _logger.LogWarning("Could not {What} (attempt {Attempt}): {Message}. Is PostgreSQL running and ConnectionStrings:taskflowdb right? Retrying.",
                        _what, args.AttemptNumber + 1, args.Outcome.Exception?.Message);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>A refused login or a missing database stays so: say it now rather than after 30 attempts.</summary>
    private static bool IsPermanent(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName };

    public async Task RunAsync(Func<Task<bool>> round, CancellationToken cancellationToken)
    {
        for (var waits = 1; !await _retry.ExecuteAsync(async _ => await round(), cancellationToken); waits++)
        {
            // Waiting for a migration job is not bounded: the job may be slow, and the step says so every round.
            await Task.Delay(_delayUnit * Math.Min(waits, LongestPauseInUnits), cancellationToken);
        }
    }
}

/// <summary>
/// Applies or awaits a context's migrations at start-up (<see cref="MigrationMode"/>). Hosted services start before
/// Kestrel listens, so no request reaches a schema that is not there yet.
/// </summary>
internal sealed class DatabaseMigrator<TContext>(DatabaseMigration<TContext> migration, IConfiguration configuration) : IHostedService
    where TContext : DbContext
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        DatabaseMigrations.Mode(configuration) == MigrationMode.Wait
            ? migration.WaitUntilAppliedAsync(cancellationToken)
            : migration.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
