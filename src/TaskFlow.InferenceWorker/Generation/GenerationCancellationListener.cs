using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>Listens for cancels from any ChatSocket replica and stops the matching job if it runs here.</summary>
public sealed class GenerationCancellationListener(
    IConnectionMultiplexer redis,
    GenerationCancellations cancellations,
    ILogger<GenerationCancellationListener> logger) : IHostedService
{
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(GenerationControl.CancelChannel));
        _queue.OnMessage(message =>
        {
            if (GenerationControl.TryParseCancelMessage(message.Message, out var generationId, out var reason))
            {
                logger.LogDebug("Cancel requested for {GenerationId} ({Reason})", generationId, reason);
                cancellations.Cancel(generationId, reason);
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queue is not null)
        {
            await _queue.UnsubscribeAsync();
        }
    }
}
