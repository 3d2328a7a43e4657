using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Streaming;

/// <summary>The relays' reader on the real Redis: every entry arrives once, in order, whatever happens to the notifications.</summary>
[Collection(StackCollection.Name)]
public sealed class TokenStreamReaderTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Lost_repeated_and_unreadable_notifications_lose_reorder_or_repeat_no_entry()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var generationId = Guid.NewGuid();
        var reader = new TokenStreamReader(redis, NullLogger<TokenStreamReader>.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = new List<TokenStreamEntry>();
        var reading = Task.Run(async () =>
        {
            await foreach (var entry in reader.ReadAsync(generationId, timeout.Token))
            {
                lock (read)
                {
                    read.Add(entry);
                }
            }
        });
        // The reader subscribes before it reads the stream: give it the moment to, so the first notice is heard.
        await Eventually.GetAsync(async () => await SubscribersAsync(redis, generationId) > 0 ? (object)true : null,
            TimeSpan.FromSeconds(10), "the reader's subscription");

        var stream = new RawStream(redis, generationId);
        await stream.AppendAsync(1, TokenStreamEntry.Start(false));
        await stream.AppendAsync(2, TokenStreamEntry.Token("lost "), notify: false);
        await stream.AppendAsync(3, TokenStreamEntry.Token("told twice "), notifications: 2);
        await stream.NotifyAsync("not a sequence at all");
        await stream.AppendAsync(4, TokenStreamEntry.Token("last "), notify: false);
        // The last notice lost as well: the reader's poll finds the end by itself.
        await stream.AppendAsync(5, TokenStreamEntry.End(GenerationStatus.Completed, 1, 3, null, null, "stop"), notify: false);
        await reading;

        Assert.Equal([1L, 2, 3, 4, 5], read.Select(e => e.Sequence));
        Assert.Equal("lost told twice last ", string.Concat(read.Select(e => e.Text)));
        Assert.Equal(TokenStreamKeys.Kinds.End, read[^1].Kind);
    }

    private static async Task<long> SubscribersAsync(IConnectionMultiplexer redis, Guid generationId)
    {
        var counts = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", TokenStreamKeys.NotifyChannel(generationId)))!;
        return (long)counts[1];
    }

    /// <summary>Appends as the worker does, with notifications that can be left out or repeated.</summary>
    private sealed class RawStream(IConnectionMultiplexer redis, Guid generationId)
    {
        private readonly RedisKey _key = TokenStreamKeys.Key(generationId);
        private readonly RedisChannel _channel = RedisChannel.Literal(TokenStreamKeys.NotifyChannel(generationId));

        public async Task AppendAsync(long sequence, IReadOnlyList<KeyValuePair<string, string>> fields, bool notify = true, int notifications = 1)
        {
            IReadOnlyList<KeyValuePair<string, string>> numbered = [TokenStreamEntry.SequenceField(sequence), .. fields];
            await redis.GetDatabase().StreamAddAsync(_key, [.. numbered.Select(f => new NameValueEntry(f.Key, f.Value))]);
            await redis.GetDatabase().KeyExpireAsync(_key, TimeSpan.FromMinutes(5));
            for (var i = 0; notify && i < notifications; i++)
            {
                await NotifyAsync(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        public Task NotifyAsync(string notice) => redis.GetSubscriber().PublishAsync(_channel, notice);
    }
}
