using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TaskFlow.ChatSocket.OpenAi;

namespace TaskFlow.UnitTests.Queue;

/// <summary>
/// A streamed /v1 completion whose model call is retried after tokens went out: the client must get one coherent
/// answer, never the start twice.
/// </summary>
public sealed class CompletionWriterTests
{
    [Fact]
    public async Task A_retry_that_repeats_the_sent_start_continues_where_the_client_is()
    {
        var (http, body) = NewContext();
        var writer = new CompletionWriter(http, "chatcmpl-1", "m", 0, stream: true, includeUsage: false);
        Assert.True(await writer.TokenAsync("Hello, "));
        Assert.True(await writer.TokenAsync("wor"));

        writer.Restart();
        foreach (var token in new[] { "Hel", "lo, w", "orld", "!" })
        {
            Assert.True(await writer.TokenAsync(token));
        }
        await writer.FinishAsync(3, 4);

        Assert.Equal("Hello, world!", string.Concat(Deltas(body)));
        Assert.Equal(["Hello, ", "wor", "ld", "!"], Deltas(body).Where(d => d.Length > 0));
        Assert.Equal("Hello, world!", writer.Content);
    }

    [Fact]
    public async Task A_retry_that_says_something_else_is_refused()
    {
        var (http, _) = NewContext();
        var writer = new CompletionWriter(http, "chatcmpl-2", "m", 0, stream: true, includeUsage: false);
        Assert.True(await writer.TokenAsync("The answer is 4"));

        writer.Restart();
        Assert.True(await writer.TokenAsync("The answer"));
        Assert.False(await writer.TokenAsync(" was 5"));
        Assert.Equal("The answer is 4", writer.SentContent);
    }

    [Fact]
    public async Task Without_streaming_only_the_last_attempt_counts()
    {
        var (http, body) = NewContext();
        var writer = new CompletionWriter(http, "chatcmpl-3", "m", 0, stream: false, includeUsage: false);
        await writer.TokenAsync("first try");
        writer.Restart();
        await writer.TokenAsync("second try");
        await writer.FinishAsync(1, 2);

        using var json = JsonDocument.Parse(body.ToArray());
        Assert.Equal("second try", json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    private static (HttpContext Http, MemoryStream Body) NewContext()
    {
        var body = new MemoryStream();
        var http = new DefaultHttpContext();
        http.Response.Body = body;
        return (http, body);
    }

    /// <summary>The content deltas of the SSE chunks written so far.</summary>
    private static List<string> Deltas(MemoryStream body) =>
        Encoding.UTF8.GetString(body.ToArray())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line["data: ".Length..])
            .Where(data => data != "[DONE]")
            .Select(data => JsonDocument.Parse(data).RootElement.GetProperty("choices"))
            .Where(choices => choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
            .Select(choices => choices[0].GetProperty("delta").GetProperty("content").GetString()!)
            .ToList();
}
