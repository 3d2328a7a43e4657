using Microsoft.EntityFrameworkCore;

namespace TaskFlow.ChatSocket.Data;

/// <summary>
/// Several store calls as one transaction. The stores share the scope's <see cref="ChatDbContext"/>, so what they write
/// inside the work commits or rolls back together; the retrying execution strategy replays the whole work after a
/// transient failure (a restarted database), which is why the work is handed over rather than begun and committed by
/// the caller.
/// </summary>
public sealed class ChatUnitOfWork(ChatDbContext db)
{
    public Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            // A replay starts from the database, not from what the failed attempt left tracked.
            db.ChangeTracker.Clear();
            // A failed write fails the whole work, which is replayed from the start, so no savepoint around each
            // SaveChanges is needed: each would cost two more round trips.
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var result = await work(token);
            await transaction.CommitAsync(token);
            db.ChangeTracker.Clear();
            return result;
        }, cancellationToken);
}
