using System.Runtime.CompilerServices;
using System.Threading.Channels;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.ChatSocket.Streaming;

/// <summary>
/// Reads one generation's stream from the beginning to its end entry, from any replica. The worker's notification
/// carries each entry (<see cref="StreamNotification"/>); a slow poll covers notifications lost while Redis or the
/// connection restarted.
/// </summary>
public sealed class TokenStreamReader(IConnectionMultiplexer redis, ILogger<TokenStreamReader> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int BatchSize = 512;

    public Task<bool> ExistsAsync(Guid generationId) => redis.GetDatabase().KeyExistsAsync(TokenStreamKeys.Key(generationId));

    /// <summary>The sequence of the generation's end entry, or null while it has none.</summary>
    public async Task<long?> EndSequenceAsync(Guid generationId)
    {
        var last = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(generationId), "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 1 && Parse(last[0]) is { Kind: Kinds.End } end ? end.Sequence : null;
    }

    /// <summary>
    /// Every entry once, in order. An entry comes from its notification when the reader has all before it (one round
    /// trip to Redis less per entry), else from the stream: at the start, after a gap (a lost or late notification),
    /// for a notice it cannot read, and on the poll.
    /// </summary>
    public async IAsyncEnumerable<TokenStreamEntry> ReadAsync(Guid generationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Notices in the order they came; bounded by the answer itself, which the reader takes in any case.
        var notices = Channel.CreateUnbounded<RedisValue>(new UnboundedChannelOptions { SingleReader = true });
        var channel = RedisChannel.Literal(TokenStreamKeys.NotifyChannel(generationId));
        var subscriber = redis.GetSubscriber();
        void OnNotify(RedisChannel _, RedisValue notice) => notices.Writer.TryWrite(notice);

        await SubscribeQuietlyAsync(subscriber, channel, OnNotify);
        try
        {
            var key = TokenStreamKeys.Key(generationId);
            RedisValue after = "-";
            long last = 0;
            var readStream = true;
            while (true)
            {
                if (readStream)
                {
                    StreamEntry[] batch;
                    try
                    {
                        batch = await redis.GetDatabase().StreamRangeAsync(key, after, "+", BatchSize);
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
                        var parsed = Parse(entry);
                        if (parsed.Sequence > 0 && parsed.Sequence <= last)
                        {
                            continue; // taken from its notice already
                        }
                        last = parsed.Sequence;
                        yield return parsed;
                        if (parsed.Kind == Kinds.End)
                        {
                            yield break;
                        }
                    }
                    readStream = batch.Length == BatchSize;
                    if (readStream)
                    {
                        continue;
                    }
                }

                using (var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    poll.CancelAfter(PollInterval);
                    try
                    {
                        await notices.Reader.WaitToReadAsync(poll.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Poll tick: look again even without a notification.
                        readStream = true;
                    }
                }

                while (notices.Reader.TryRead(out var notice))
                {
                    if (!StreamNotification.TryRead(notice, out var id, out var entry))
                    {
                        readStream = true;
                    }
                    else if (entry.Sequence == last + 1 && !readStream)
                    {
                        after = "(" + id;
                        last = entry.Sequence;
                        yield return entry;
                        if (entry.Kind == Kinds.End)
                        {
                            yield break;
                        }
                    }
                    else if (entry.Sequence > last)
                    {
                        readStream = true; // one before it is missing: the stream has it
                    }
                }
            }
        }
        finally
        {
            await UnsubscribeQuietlyAsync(subscriber, channel, OnNotify);
        }
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

    private static TokenStreamEntry Parse(StreamEntry entry) => TokenStreamEntry.Decode(name => entry[name]);
}
