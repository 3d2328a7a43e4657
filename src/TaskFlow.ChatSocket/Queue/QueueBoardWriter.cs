using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>
/// The one writer of the queue board (see <see cref="QueueBoard"/>): a job goes on when it is queued and off when a
/// worker says it started it, when it ends, or when it is stopped before it started. Each change is announced so
/// every replica pushes the new positions.
/// </summary>
public sealed class QueueBoardWriter(IConnectionMultiplexer redis, ILogger<QueueBoardWriter> logger)
{
    public async Task AddAsync(Guid generationId, byte queuePriority, DateTimeOffset enqueuedAt)
    {
        try
        {
            var database = redis.GetDatabase();
            await database.SortedSetAddAsync(QueueBoard.WaitingKey, QueueBoard.Member(generationId), QueueBoard.Score(queuePriority, enqueuedAt));
            await database.PublishAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), QueueBoard.Member(generationId), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Positions are a courtesy; the job is durable in PostgreSQL and RabbitMQ without them.
            logger.LogWarning("Could not put {GenerationId} on the queue board: {Message}", generationId, ex.Message);
        }
    }

    public Task RemoveAsync(Guid generationId) => RemoveAsync([generationId]);

    /// <summary>Takes the jobs off in one command, and announces one change for all of them.</summary>
    public async Task RemoveAsync(IReadOnlyCollection<Guid> generationIds)
    {
        try
        {
            var database = redis.GetDatabase();
            var members = generationIds.Select(id => (RedisValue)QueueBoard.Member(id)).ToArray();
            if (await database.SortedSetRemoveAsync(QueueBoard.WaitingKey, members) > 0)
            {
                await database.PublishAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), members[0], CommandFlags.FireAndForget);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            logger.LogWarning("Could not take {GenerationIds} off the queue board: {Message}", string.Join(", ", generationIds), ex.Message);
        }
    }
}
