using MassTransit;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>Puts a stored job on the RabbitMQ priority queue and on the waiting board that positions are read from.</summary>
public sealed class JobDispatcher(IBus bus, IConnectionMultiplexer redis, IOptions<QueueOptions> options, ILogger<JobDispatcher> logger)
{
    /// <summary>Returns once RabbitMQ confirmed the job; throws when it did not within <see cref="QueueOptions.PublishTimeout"/>.</summary>
    public async Task EnqueueAsync(GenerateReply job, Generation generation, CancellationToken cancellationToken)
    {
        var queuePriority = (byte)generation.QueuePriority;
        await AddToBoardAsync(job.GenerationId, queuePriority, generation.CreatedAt);
        try
        {
            // MassTransit waits for an unreachable broker instead of failing: bound the wait.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.PublishTimeout);
            try
            {
                await bus.Publish(job, context => context.SetPriority(queuePriority), timeout.Token);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"RabbitMQ did not confirm the job within {options.Value.PublishTimeout.TotalSeconds:0.#} s.", ex);
            }
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
            await database.SortedSetAddAsync(QueueBoard.WaitingKey, QueueBoard.Member(generationId), QueueBoard.Score(queuePriority, enqueuedAt));
            await database.PublishAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), QueueBoard.Member(generationId), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
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
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            logger.LogWarning("Could not take {GenerationId} off the queue board: {Message}", generationId, ex.Message);
        }
    }
}
