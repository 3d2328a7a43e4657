using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>Takes a job off the waiting board when a worker starts or skips it, and tells position watchers.</summary>
public sealed class QueueBoardLeaver(IConnectionMultiplexer redis, ILogger<QueueBoardLeaver> logger)
{
    public async Task LeaveAsync(Guid generationId)
    {
        try
        {
            var database = redis.GetDatabase();
            if (await database.SortedSetRemoveAsync(QueueBoard.WaitingKey, QueueBoard.Member(generationId)))
            {
                await database.PublishAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), QueueBoard.Member(generationId), CommandFlags.FireAndForget);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Positions are a courtesy; the job itself must not fail for them.
            logger.LogWarning("Could not update the queue board for {GenerationId}: {Message}", generationId, ex.Message);
        }
    }
}
