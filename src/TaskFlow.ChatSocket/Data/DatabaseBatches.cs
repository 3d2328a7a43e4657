using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace TaskFlow.ChatSocket.Data;

/// <summary>
/// Statements the stores send as one round trip (a turn's start), on the context's connection and in its transaction,
/// so they see and hold what the unit of work does. The caller's work keeps the connection open (a transaction does).
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
}
