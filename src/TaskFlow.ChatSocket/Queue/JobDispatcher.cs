using MassTransit;
using StackExchange.Redis;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>Puts a stored job on the RabbitMQ priority queue and on the waiting board that positions are read from.</summary>
public sealed class JobDispatcher(IBus bus, IConnectionMultiplexer redis, ILogger<JobDispatcher> logger)
{
    public async Task EnqueueAsync(GenerateReply job, Generation generation, CancellationToken cancellationToken)
    {
        var queuePriority = (byte)generation.QueuePriority;
        await AddToBoardAsync(job.GenerationId, queuePriority, generation.CreatedAt);
        try
        {
            await bus.Publish(job, context => context.SetPriority(queuePriority), cancellationToken);
        }
        catch
        {
            await RemoveFromBoardAsync(job.GenerationId);
            throw;
        }
    }

    private async Task AddToBoardAsync(Guid generationId, byte queuePriority, DateTimeOffset enqueuedAt)
    {
        try
        {
            var database = redis.GetDatabase();
            await redis.TraceAsync("ZADD", QueueBoard.WaitingKey,
                () => database.SortedSetAddAsync(QueueBoard.WaitingKey, QueueBoard.Member(generationId), QueueBoard.Score(queuePriority, enqueuedAt)));
            await database.PublishAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), QueueBoard.Member(generationId), CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            // Positions are a courtesy; the job is durable in PostgreSQL and RabbitMQ without them.
            logger.LogWarning("Could not put {GenerationId} on the queue board: {Message}", generationId, ex.Message);
        }
    }

    public async Task RemoveFromBoardAsync(Guid generationId)
    {
        try
        {
            var database = redis.GetDatabase();
            if (await database.SortedSetRemoveAsync(QueueBoard.WaitingKey, QueueBoard.Member(generationId)))
            {
                await database.PublishAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), QueueBoard.Member(generationId), CommandFlags.FireAndForget);
            }
        }
        catch (RedisException ex)
        {
            logger.LogWarning("Could not take {GenerationId} off the queue board: {Message}", generationId, ex.Message);
        }
    }
}
