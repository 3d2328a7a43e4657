using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using TaskFlow.InferenceWorker.Generation;
using TaskFlow.Tests.Support;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.Tests.Streaming;

/// <summary>The worker's side of a generation stream on the real Redis: how tokens are gathered into entries.</summary>
[Collection(StackCollection.Name)]
public sealed class TokenStreamWriterTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Tokens_that_come_within_the_entry_interval_wait_for_the_next_entry_and_the_end_takes_them_at_once()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        // Longer than the test: only the end can let the held tokens out.
        var session = await OpenAsync(redis, TimeSpan.FromMinutes(5), out var generationId);
        await session.StartAsync(restarted: false);

        await session.AppendTokenAsync("The ");
        await session.TokensWrittenAsync();
        await session.AppendTokenAsync("held ");
        await session.AppendTokenAsync("tokens");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(["The "], (await EntriesAsync(redis, generationId)).Where(e => e.Kind == Kinds.Token).Select(e => e.Text));

        await session.EndAsync(GenerationStatus.Completed, 3, 3, null, "stop");
        var entries = await EntriesAsync(redis, generationId);
        Assert.Equal([Kinds.Start, Kinds.Token, Kinds.Token, Kinds.End], entries.Select(e => e.Kind));
        Assert.Equal("held tokens", entries[2].Text);
        Assert.Equal(2, entries[2].Pieces);
        Assert.Equal([1L, 2, 3, 4], entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Held_tokens_go_out_once_the_interval_has_passed_without_anyone_asking()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var session = await OpenAsync(redis, TimeSpan.FromMilliseconds(200), out var generationId);
        await session.StartAsync(restarted: false);

        await session.AppendTokenAsync("first ");
        await session.AppendTokenAsync("second");
        var tokens = await Eventually.GetAsync(async () =>
        {
            var written = (await EntriesAsync(redis, generationId)).Where(e => e.Kind == Kinds.Token).ToList();
            return written.Count == 2 ? written : null;
        }, TimeSpan.FromSeconds(10), "the held token's entry");
        Assert.Equal(["first ", "second"], tokens.Select(e => e.Text));
    }

    [Fact]
    public async Task With_no_interval_each_token_is_its_own_entry_when_no_write_is_under_way()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var session = await OpenAsync(redis, TimeSpan.Zero, out var generationId);
        await session.StartAsync(restarted: false);

        foreach (var token in new[] { "one ", "two ", "three" })
        {
            await session.AppendTokenAsync(token);
            await session.TokensWrittenAsync();
        }
        await session.EndAsync(GenerationStatus.Completed, 3, 3, null, "stop");

        var tokens = (await EntriesAsync(redis, generationId)).Where(e => e.Kind == Kinds.Token);
        Assert.Equal(["one ", "two ", "three"], tokens.Select(e => e.Text));
    }

    private static Task<GenerationStreamSession> OpenAsync(IConnectionMultiplexer redis, TimeSpan interval, out Guid generationId)
    {
        generationId = Guid.NewGuid();
        var writer = new TokenStreamWriter(redis, Options.Create(new InferenceOptions { TokenEntryInterval = interval }), TimeProvider.System);
        return writer.OpenAsync(generationId);
    }

    private static async Task<List<TokenStreamEntry>> EntriesAsync(IConnectionMultiplexer redis, Guid generationId) =>
        [.. (await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(generationId))).Select(e => e.ToTokenStreamEntry())];
}
