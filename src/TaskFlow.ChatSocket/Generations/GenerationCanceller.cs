using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Generations;

/// <summary>Stops a generation wherever it is: still queued (the worker skips it) or running (its token is cancelled).</summary>
public sealed class GenerationCanceller(IConnectionMultiplexer redis)
{
    public async Task CancelAsync(Guid generationId, string reason)
    {
        var database = redis.GetDatabase();
        await database.StringSetAsync(GenerationControl.CancelledKey(generationId), reason, GenerationControl.CancelledKeyLifetime);
        await database.PublishAsync(RedisChannel.Literal(GenerationControl.CancelChannel), GenerationControl.CancelMessage(generationId, reason));
    }
}
