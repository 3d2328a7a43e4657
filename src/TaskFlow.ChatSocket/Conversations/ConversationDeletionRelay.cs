using System.Threading.Channels;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// The relay of the deletion outbox: publishes <see cref="ConversationDeleted"/> for every row of
/// <c>chat.conversation_deletions</c> and removes the row once RabbitMQ confirmed it. It runs right after a delete and
/// again every <see cref="QueueOptions.RedispatchInterval"/>, so an event RabbitMQ could not take (down, or the replica
/// died) goes out later. Replicas claim rows with FOR UPDATE SKIP LOCKED; an event published twice scrubs nothing more.
/// </summary>
public sealed class ConversationDeletionRelay(
    IServiceScopeFactory scopes,
    IBus bus,
    IOptions<QueueOptions> options,
    ILogger<ConversationDeletionRelay> logger) : BackgroundService
{
    private const int BatchSize = 100;

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a run now instead of at the next tick; returns at once.</summary>
    public void PublishSoon() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishBatchAsync(stoppingToken) == BatchSize)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL is away: the rows are safe in it, and the next run looks again.
                logger.LogWarning("Publishing conversation deletions failed: {Message}", ex.Message);
            }

            using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            tick.CancelAfter(options.Value.RedispatchInterval);
            try
            {
                await _wake.Reader.ReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The interval passed without a delete: look anyway, for rows an earlier run could not publish.
            }
        }
    }

    /// <summary>Publishes the oldest waiting deletions; returns how many RabbitMQ took.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        return await scope.ServiceProvider.GetRequiredService<ChatUnitOfWork>().RunAsync(async token =>
        {
            var deletions = await db.ConversationDeletions.FromSql($"""
                SELECT * FROM chat.conversation_deletions
                ORDER BY deleted_at
                LIMIT {BatchSize}
                FOR UPDATE SKIP LOCKED
                """).ToListAsync(token);

            var published = 0;
            foreach (var deletion in deletions)
            {
                try
                {
                    await PublishAsync(deletion, token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    logger.LogWarning("RabbitMQ does not take conversation deletions yet ({Message}); {Count} stay stored for the next try",
                        ex.Message, deletions.Count - published);
                    break;
                }
                db.ConversationDeletions.Remove(deletion);
                published++;
            }

            await db.SaveChangesAsync(token);
            return published;
        }, cancellationToken);
    }

    private async Task PublishAsync(ConversationDeletion deletion, CancellationToken cancellationToken)
    {
        // MassTransit waits for an unreachable broker instead of failing: bound the wait, and keep the row for later.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await bus.Publish(new ConversationDeleted(deletion.ConversationId, deletion.UserId, deletion.DeletedAt), timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ did not confirm within {options.Value.PublishTimeout.TotalSeconds:0.#} s", ex);
        }
    }
}
