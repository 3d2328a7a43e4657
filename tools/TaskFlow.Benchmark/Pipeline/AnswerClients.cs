using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>One answer, timed from the request going out: to its first token and to its end, and the tokens that came.</summary>
public sealed record AnswerTiming(TimeSpan FirstToken, TimeSpan Whole, int Tokens, string? Error = null)
{
    /// <summary>
    /// The pieces the answer came in: the server's chunks with text, or the socket's <c>ai_token</c> frames, each of
    /// which its client had to read and parse.
    /// </summary>
    public int Pieces { get; init; }

    /// <summary>Where the socket's answer was when each of its milestones arrived (see <see cref="SocketStages"/>).</summary>
    public IReadOnlyList<(string Stage, TimeSpan At)> Stages { get; init; } = [];
}

/// <summary>The socket's milestones, in the order a turn passes them, so the first-token time can be split into its parts.</summary>
public static class SocketStages
{
    public const string Accepted = "accepted";
    public const string Started = "worker started";
    public const string FirstToken = "first token";
    public const string LastToken = "last token";
    public const string Done = "done";

    public static readonly string[] All = [Accepted, Started, FirstToken, LastToken, Done];
}

/// <summary>
/// The three ways the benchmark asks for an answer, each reading it as its clients do: Ollama's NDJSON stream (direct
/// from the model server), an OpenAI-compatible stream (direct, or TaskFlow's <c>/v1</c>), and TaskFlow's WebSocket.
/// Each checks that every token arrived once and in order, by comparing the text with the answer the profile makes.
/// </summary>
public static class AnswerClients
{
    public static async Task<AnswerTiming> OllamaAsync(HttpClient http, string prompt, AnswerProfile profile, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { model = PacedModelServer.ModelName, stream = true, messages = new[] { new { role = "user", content = prompt } } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var text = new StringBuilder();
        TimeSpan? first = null;
        var tokens = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            using var chunk = JsonDocument.Parse(line);
            var content = chunk.RootElement.GetProperty("message").GetProperty("content").GetString();
            if (!string.IsNullOrEmpty(content))
            {
                first ??= clock.Elapsed;
                tokens++;
                text.Append(content);
            }
            if (chunk.RootElement.GetProperty("done").GetBoolean())
            {
                break;
            }
        }
        return Timing(first, clock.Elapsed, tokens, text.ToString(), profile, null);
    }

    /// <param name="http">Addressed at the model server, or at TaskFlow's gateway with an API key.</param>
    public static async Task<AnswerTiming> OpenAiAsync(HttpClient http, string? apiKey, string prompt, AnswerProfile profile, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = PacedModelServer.ModelName, stream = true, messages = new[] { new { role = "user", content = prompt } } }),
        };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return new AnswerTiming(TimeSpan.Zero, clock.Elapsed, 0, $"HTTP_{(int)response.StatusCode}");
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var text = new StringBuilder();
        TimeSpan? first = null;
        var tokens = 0;
        string? error = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }
            if (line == "data: [DONE]")
            {
                break;
            }
            using var chunk = JsonDocument.Parse(line.AsMemory("data: ".Length));
            if (chunk.RootElement.TryGetProperty("error", out var failure))
            {
                error = failure.TryGetProperty("code", out var code) ? code.GetString() : "error";
                continue;
            }
            if (chunk.RootElement.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 } piece)
            {
                first ??= clock.Elapsed;
                tokens++;
                text.Append(piece);
            }
        }
        return Timing(first, clock.Elapsed, tokens, text.ToString(), profile, error);
    }

    /// <summary>A turn on the chat socket, as the page sends it; tokens must come with rising <c>seq</c>.</summary>
    public static async Task<AnswerTiming> SocketAsync(BenchUser user, string prompt, AnswerProfile profile, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await user.SendAsync(new { type = "user_message", text = prompt, priority = "medium" }, cancellationToken);
        var text = new StringBuilder();
        TimeSpan? first = null;
        var tokens = 0;
        long lastSeq = 0;
        string? error = null;
        string? generation = null;
        TimeSpan? accepted = null, started = null, last = null;
        while (await user.ReceiveAsync(cancellationToken) is { } next)
        {
            // The socket also carries what is not this answer: an idle check-in ("nudge") is streamed like one.
            if (next.Body.TryGetProperty("generationId", out var id) && id.GetString() is { } eventGeneration)
            {
                if (next.Type == "message_accepted")
                {
                    generation = eventGeneration;
                    accepted = clock.Elapsed;
                }
                else if (eventGeneration != generation)
                {
                    continue;
                }
            }
            switch (next.Type)
            {
                case "ai_start":
                    started ??= clock.Elapsed;
                    if (next.Body.GetProperty("restarted").GetBoolean())
                    {
                        error ??= "RESTARTED";
                    }
                    break;
                case "ai_token":
                    first ??= clock.Elapsed;
                    last = clock.Elapsed;
                    var seq = next.Body.GetProperty("seq").GetInt64();
                    // seq numbers the stream's entries (the start is one), so tokens need not begin at 1; a repeat or a
                    // step back is a duplicated or reordered token, and the text check below catches a lost one.
                    if (seq <= lastSeq)
                    {
                        error ??= $"SEQ_{lastSeq}_THEN_{seq}";
                    }
                    lastSeq = seq;
                    tokens++;
                    text.Append(next.Body.GetProperty("token").GetString());
                    break;
                case "ai_done":
                    var done = clock.Elapsed;
                    return Timing(first, done, tokens, text.ToString(), profile, error) with
                    {
                        Stages = accepted is { } a && started is { } s && first is { } f && last is { } l
                            ? [(SocketStages.Accepted, a), (SocketStages.Started, s), (SocketStages.FirstToken, f), (SocketStages.LastToken, l), (SocketStages.Done, done)]
                            : [],
                    };
                case "ai_error":
                    return new AnswerTiming(first ?? TimeSpan.Zero, clock.Elapsed, tokens, next.Body.TryGetProperty("code", out var code) ? code.GetString() : "ai_error");
            }
        }
        return new AnswerTiming(first ?? TimeSpan.Zero, clock.Elapsed, tokens, "SOCKET_CLOSED");
    }

    /// <summary>The answer the model server makes for <paramref name="profile"/>.</summary>
    public static string Expected(AnswerProfile profile) =>
        string.Concat(Enumerable.Range(0, profile.Tokens).Select(AnswerProfile.Token));

    /// <param name="tokens">Pieces received; a piece may hold several tokens (a stream entry holds those that came together).</param>
    private static AnswerTiming Timing(TimeSpan? first, TimeSpan whole, int tokens, string text, AnswerProfile profile, string? error)
    {
        var complete = text == Expected(profile);
        return new(first ?? whole, whole, complete ? profile.Tokens : tokens, error ?? (complete ? null : first is null ? "NO_TOKENS" : "TEXT_DIFFERS"))
        {
            Pieces = tokens,
        };
    }
}
