using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Npgsql's retrying strategy, made to ride out a PostgreSQL restart. Every idle pooled connection of a restarted server
/// is dead, and each fails once with 57P01 (admin_shutdown), which Npgsql does not count as transient: one such failure
/// clears the pool, so the retry opens a fresh connection instead of drawing the next dead one.
/// </summary>
internal sealed class PostgresRestartRetryStrategy(ExecutionStrategyDependencies dependencies)
    : NpgsqlRetryingExecutionStrategy(dependencies, MaxRetries, TimeSpan.FromSeconds(30), [AdminShutdown, CrashShutdown])
{
    private const int MaxRetries = 5;
    private const string AdminShutdown = "57P01";
    private const string CrashShutdown = "57P02";

    protected override bool ShouldRetryOn(Exception? exception)
    {
        if (exception is PostgresException { SqlState: AdminShutdown or CrashShutdown }
            && Dependencies.CurrentContext.Context?.Database.GetDbConnection() is NpgsqlConnection connection)
        {
            NpgsqlConnection.ClearPool(connection);
        }
        return base.ShouldRetryOn(exception);
    }
}
