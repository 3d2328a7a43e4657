using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using TaskFlow.InferenceWorker.Generation;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Streaming;

/// <summary>
/// The worker's writes of an answer's tokens on the real Redis, on a clock the test moves (Inference:TokenWriteInterval):
/// the first token goes at once, the ones that follow within the interval go together, and the end does not wait.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TokenWriteIntervalTests(TaskFlowStack stack)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    [Fact]
    public async Task The_first_token_goes_at_once_the_next_wait_for_the_interval_together_and_the_end_takes_the_rest()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var time = new FakeTimeProvider();
        var writer = new TokenStreamWriter(redis, Options.Create(new InferenceOptions { TokenWriteInterval = Interval }), time);
        var generationId = Guid.NewGuid();
        var stream = await writer.OpenAsync(generationId);
        await stream.StartAsync(restarted: false);

        await stream.AppendTokenAsync("You");
        await EntriesAsync(redis, generationId, 2, "the first token, without the clock moving");
        await stream.AppendTokenAsync(" said");
        await stream.AppendTokenAsync(" so");
        // Held: on a clock that does not move, nothing more is written however long the test waits.
        await Task.Delay(300);
        Assert.Equal(2, (await ReadAsync(redis, generationId)).Count);

        time.Advance(Interval);
        var entries = await EntriesAsync(redis, generationId, 3, "the held tokens once the interval passed");
        Assert.Equal((" said so", 2), (entries[2].Text, entries[2].Pieces));

        // Within the interval again: held, until the end asks for everything to be written first.
        await stream.AppendTokenAsync(".");
        // Bounded: an end that waited for the clock would wait for ever here.
        await stream.EndAsync(GenerationStatus.Completed, 1, 4, null, "stop").WaitAsync(TimeSpan.FromSeconds(10));
        entries = await ReadAsync(redis, generationId);
        Assert.Equal([TokenStreamKeys.Kinds.Start, TokenStreamKeys.Kinds.Token, TokenStreamKeys.Kinds.Token, TokenStreamKeys.Kinds.Token, TokenStreamKeys.Kinds.End],
            entries.Select(e => e.Kind));
        Assert.Equal(["You", " said so", "."], entries.Where(e => e.Kind == TokenStreamKeys.Kinds.Token).Select(e => e.Text));
        Assert.Equal([1L, 2, 3, 4, 5], entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Without_an_interval_nothing_is_held_for_the_clock()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var writer = new TokenStreamWriter(redis, Options.Create(new InferenceOptions { TokenWriteInterval = TimeSpan.Zero }), new FakeTimeProvider());
        var generationId = Guid.NewGuid();
        var stream = await writer.OpenAsync(generationId);

        foreach (var token in new[] { "one", " two", " three", " four" })
        {
            await stream.AppendTokenAsync(token);
        }
        // The clock never moves: every token is written all the same, one write after another.
        var entries = await Eventually.GetAsync(async () => await ReadAsync(redis, generationId) is { } read && read.Sum(e => e.Pieces) == 4 ? read : null,
            TimeSpan.FromSeconds(10), "all four tokens");
        Assert.Equal("one two three four", string.Concat(entries.Select(e => e.Text)));
        Assert.Equal("one", entries[0].Text);
    }

    private static async Task<List<TokenStreamEntry>> EntriesAsync(IConnectionMultiplexer redis, Guid generationId, int count, string what) =>
        await Eventually.GetAsync(async () => await ReadAsync(redis, generationId) is { } entries && entries.Count >= count ? entries : null,
            TimeSpan.FromSeconds(10), what);

    private static async Task<List<TokenStreamEntry>> ReadAsync(IConnectionMultiplexer redis, Guid generationId) =>
        [.. (await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(generationId))).Select(e => TokenStreamEntry.Decode(name => e[name]))];
}
