using System.Threading.Channels;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Queue;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// Records that RabbitMQ confirmed jobs, off the turn's path: neither the user's "accepted" nor the first token waits
/// for this write, and under load one statement records every job confirmed meanwhile. A record that is lost (the
/// database was away, or the process died first) costs at most a second publish by <see cref="JobRedispatcher"/> of a
/// job still waiting, and the worker runs one copy.
/// </summary>
public sealed class QueuedJobRecorder(IServiceScopeFactory scopes, ILogger<QueuedJobRecorder> logger) : BackgroundService
{
    private const int MaxBatch = 500;

    private readonly Channel<QueuedJob> _confirmed = Channel.CreateUnbounded<QueuedJob>(new UnboundedChannelOptions { SingleReader = true });

    public void Confirmed(Guid generationId, DateTimeOffset queuedAt) => _confirmed.Writer.TryWrite(new QueuedJob(generationId, queuedAt));

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // What was confirmed before the stop is still written: the loop ends once the channel is empty.
        _confirmed.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<QueuedJob>(MaxBatch);
        while (await _confirmed.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _confirmed.Reader.TryRead(out var job))
            {
                batch.Add(job);
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<JobStore>().MarkQueuedAsync(batch, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Recording that {Count} job(s) are queued failed; a job still waiting may be published again: {Message}", batch.Count, ex.Message);
            }
            batch.Clear();
        }
    }
}
