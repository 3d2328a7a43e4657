using System.Collections.Concurrent;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>
/// Pushes queue positions as they change. One subscription per process; when the board changes, every job a socket
/// here is waiting on gets its rank read again and, if it moved, reported.
/// </summary>
public sealed class QueuePositions(IConnectionMultiplexer redis, ILogger<QueuePositions> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<Guid, PositionWatch> _watches = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    /// <summary>Reports the number of jobs ahead of <paramref name="generationId"/> now and whenever it changes.</summary>
    public IDisposable Watch(Guid generationId, Action<long> onJobsAhead)
    {
        var watch = new PositionWatch(generationId, onJobsAhead, this);
        _watches[generationId] = watch;
        Signal();
        return watch;
    }

    public async Task<long?> JobsAheadAsync(Guid generationId) =>
        await redis.GetDatabase().SortedSetRankAsync(QueueBoard.WaitingKey, QueueBoard.Member(generationId));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(QueueBoard.ChangedChannel), (_, _) => Signal());
        _loop = RefreshLoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            await _stopping.CancelAsync();
        }
        if (_loop is not null)
        {
            await _loop;
        }
    }

    public void Dispose()
    {
        _signal.Dispose();
        _stopping?.Dispose();
    }

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A refresh is already pending.
        }
    }

    private async Task RefreshLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // A refresh at least every second also covers signals lost while Redis restarted.
                await _signal.WaitAsync(TimeSpan.FromSeconds(1), stopping);
                await Task.Delay(Coalesce, stopping);
                var database = redis.GetDatabase();
                foreach (var watch in _watches.Values)
                {
                    var rank = await database.SortedSetRankAsync(QueueBoard.WaitingKey, QueueBoard.Member(watch.GenerationId));
                    if (rank is { } ahead)
                    {
                        watch.Report(ahead);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                // Redis is away (a timeout is not a RedisException): the loop must outlive it.
                logger.LogDebug("Refreshing queue positions failed: {Message}", ex.Message);
            }
        }
    }

    private sealed class PositionWatch(Guid generationId, Action<long> onJobsAhead, QueuePositions owner) : IDisposable
    {
        private long _last = -1;

        public Guid GenerationId { get; } = generationId;

        public void Report(long ahead)
        {
            if (Interlocked.Exchange(ref _last, ahead) != ahead)
            {
                onJobsAhead(ahead);
            }
        }

        public void Dispose() => owner._watches.TryRemove(new KeyValuePair<Guid, PositionWatch>(GenerationId, this));
    }
}
