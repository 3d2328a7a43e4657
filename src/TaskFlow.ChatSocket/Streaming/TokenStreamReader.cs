using System.Runtime.CompilerServices;
using System.Threading.Channels;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.ChatSocket.Streaming;

/// <summary>
/// Reads one generation's stream from the beginning to its end entry, from any replica. The worker's notify
/// message wakes the reader; a slow poll covers notifications lost while Redis or the connection restarted.
/// </summary>
public sealed class TokenStreamReader(IConnectionMultiplexer redis, ILogger<TokenStreamReader> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int BatchSize = 512;

    public Task<bool> ExistsAsync(Guid generationId) => redis.GetDatabase().KeyExistsAsync(TokenStreamKeys.Key(generationId));

    /// <summary>The sequence of the generation's end entry, or null while it has none.</summary>
    public async Task<long?> EndSequenceAsync(Guid generationId)
    {
        return await redis.GetDatabase().LastTokenStreamEntryAsync(TokenStreamKeys.Key(generationId)) is { Kind: Kinds.End } end
            ? end.Sequence
            : null;
    }

    public async IAsyncEnumerable<TokenStreamEntry> ReadAsync(Guid generationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var channel = RedisChannel.Literal(TokenStreamKeys.NotifyChannel(generationId));
        var subscriber = redis.GetSubscriber();
        void OnNotify(RedisChannel _, RedisValue __) => wake.Writer.TryWrite(true);

        await SubscribeQuietlyAsync(subscriber, channel, OnNotify);
        try
        {
            var key = TokenStreamKeys.Key(generationId);
            RedisValue after = "-";
            while (true)
            {
                StreamEntry[] batch;
                try
                {
                    batch = await ReadBatchAsync(key, after);
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
                {
                    // While Redis restarts; a timeout is no RedisException, and must not end the relay either.
                    logger.LogWarning("Reading generation {GenerationId} failed ({Message}); retrying", generationId, ex.Message);
                    batch = [];
                }

                foreach (var entry in batch)
                {
                    after = "(" + entry.Id;
                    var parsed = entry.ToTokenStreamEntry();
                    yield return parsed;
                    if (parsed.Kind == Kinds.End)
                    {
                        yield break;
                    }
                }

                if (batch.Length < BatchSize)
                {
                    using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    poll.CancelAfter(PollInterval);
                    try
                    {
                        await wake.Reader.ReadAsync(poll.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Poll tick: look again even without a notification.
                    }
                }
            }
        }
        finally
        {
            await UnsubscribeQuietlyAsync(subscriber, channel, OnNotify);
        }
    }

    private async Task<StreamEntry[]> ReadBatchAsync(RedisKey key, RedisValue after)
    {
        TokenPathTracing.LeaveTrace();
        return await redis.GetDatabase().StreamRangeAsync(key, after, "+", BatchSize);
    }

    private async Task SubscribeQuietlyAsync(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            await subscriber.SubscribeAsync(channel, handler);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            logger.LogWarning("Subscribing to {Channel} failed ({Message}); falling back to polling", channel, ex.Message);
        }
    }

    private static async Task UnsubscribeQuietlyAsync(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            await subscriber.UnsubscribeAsync(channel, handler);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // The subscription dies with the connection anyway.
        }
    }
}
