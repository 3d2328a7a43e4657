using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Deletes a conversation everywhere: its messages and jobs here, the answers' token streams in Redis, and, through the
/// <c>ConversationDeleted</c> event, the previews Telemetry logged. The event is recorded in the same transaction as the
/// delete and published by <see cref="ConversationDeletionRelay"/>, so a delete while RabbitMQ is down is still
/// scrubbed everywhere once it is back.
/// </summary>
public sealed class ConversationDeleter(
    ChatDbContext db,
    ChatUnitOfWork unit,
    IConnectionMultiplexer redis,
    ConversationDeletionRelay relay,
    TimeProvider clock,
    ILogger<ConversationDeleter> logger)
{
    /// <summary>False when the user has no such conversation.</summary>
    public async Task<bool> DeleteAsync(Guid conversationId, string userId, CancellationToken cancellationToken)
    {
        var generationIds = await unit.RunAsync(async token =>
        {
            var jobs = await db.Generations.Where(g => g.ConversationId == conversationId && g.UserId == userId)
                .Select(g => g.Id).ToListAsync(token);
            if (await db.Conversations.Where(c => c.Id == conversationId && c.UserId == userId).ExecuteDeleteAsync(token) == 0)
            {
                return null;
            }

            db.ConversationDeletions.Add(new ConversationDeletion
            {
                ConversationId = conversationId,
                UserId = userId,
                DeletedAt = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync(token);
            return jobs;
        }, cancellationToken);

        if (generationIds is null)
        {
            return false;
        }

        relay.PublishSoon();
        await RemoveTokenStreamsAsync(generationIds);
        return true;
    }

    private async Task RemoveTokenStreamsAsync(List<Guid> generationIds)
    {
        if (generationIds.Count == 0)
        {
            return;
        }

        try
        {
            await redis.GetDatabase().KeyDeleteAsync([.. generationIds.Select(id => (RedisKey)TokenStreamKeys.Key(id))]);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // The streams expire by themselves within hours (TokenStreamKeys.RetentionAfterEnd); the delete stands.
            logger.LogWarning("Could not remove the token streams of {Count} deleted answer(s): {Message}", generationIds.Count, ex.Message);
        }
    }
}
