using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Statements a store sends as one round trip (a turn's start, a batch of inference logs), on the context's connection
/// and in its transaction, so they see and hold what the unit of work does. In PostgreSQL's default isolation each
/// statement of a batch sees what was committed before it ran, so a lock taken by one holds for the ones after it.
/// The caller's work keeps the connection open (a transaction does).
/// </summary>
public static class DatabaseBatches
{
    public static NpgsqlBatch CreateBatch(this DatabaseFacade database, params NpgsqlBatchCommand[] commands)
    {
        var batch = new NpgsqlBatch((NpgsqlConnection)database.GetDbConnection(), (NpgsqlTransaction?)database.CurrentTransaction?.GetDbTransaction());
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }
        return batch;
    }

    /// <summary>A parameter that may be null: typed, since a null alone tells PostgreSQL nothing of its type.</summary>
    public static NpgsqlParameter Nullable(object? value, NpgsqlTypes.NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
