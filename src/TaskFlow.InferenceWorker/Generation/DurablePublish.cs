using MassTransit;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// A job's results are published after the model's work is done; RabbitMQ restarting at that moment must cost neither
/// the stored answer nor its inference log. A publish that fails (the channel closed under it) is tried again once the
/// bus has reconnected, instead of failing a job whose answer already reached the user.
/// </summary>
public static class DurablePublish
{
    private const int MaxAttempts = 8;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(15);

    public static async Task PublishDurablyAsync<T>(this ConsumeContext context, T message, ILogger logger) where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await context.Publish(message, context.CancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < MaxAttempts && !context.CancellationToken.IsCancellationRequested)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, attempt - 1), MaxDelay.TotalSeconds));
                logger.LogWarning("Publishing {MessageType} failed ({Message}); trying again in {Delay}", typeof(T).Name, ex.Message, delay);
                await Task.Delay(delay, context.CancellationToken);
            }
        }
    }
}
