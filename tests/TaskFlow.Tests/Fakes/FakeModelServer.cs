using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Tests.Fakes;

/// <summary>
/// A model server that speaks Ollama's real <c>/api/chat</c> NDJSON streaming protocol and the OpenAI API's
/// <c>/v1/chat/completions</c> (see the OpenAI part of this class), and answers both reachability probes, so the
/// worker's real OllamaSharp and OpenAI clients run against it.
/// What it answers is decided by the prompt itself, so tests running in parallel never share a script:
/// the reply echoes the last user message as <see cref="ReplyTo"/> says, and markers in the message change
/// behaviour: <c>[[delay:50]]</c> ms between tokens, <c>[[fail:429]]</c> an HTTP error with that status,
/// <c>[[error:rate_limited]]</c> a provider failure of that class as a real server words it (see <see cref="Failures"/>),
/// <c>[[cut-times:K:N]]</c> the first K attempts stop after N tokens the way Ollama reports a crashed model runner: an
/// <c>{"error": …}</c> line in a 200 stream, and no final <c>done</c> line,
/// <c>[[endless-first]]</c> a first attempt that streams until the caller abandons it, <c>[[empty]]</c> a finished answer with no text,
/// <c>[[nul]]</c> an answer that begins with U+0000, <c>[[hold:KEY]]</c> an answer that waits for <see cref="Release"/>,
/// <c>[[retry-differs]]</c> (Ollama only) a retry that begins differently from the first attempt.
/// </summary>
public sealed partial class FakeModelServer : IAsyncDisposable
{
    public const string ModelName = "fake-qwen";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ModelRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _attemptsByMessage = new();
    private readonly ConcurrentDictionary<string, int> _abortedByMessage = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new();
    /// <summary>Each answered request's last user message and when it began and ended (Stopwatch ticks).</summary>
    private readonly ConcurrentQueue<(string Message, long Began, long Ended)> _answered = new();

    private FakeModelServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The Ollama connection string in the contract's shape.</summary>
    public string ConnectionString => $"Endpoint={BaseAddress.ToString().TrimEnd('/')};Model={ModelName}";

    /// <summary>
    /// The most chat requests whose last user message contains <paramref name="marker"/> that were being answered at
    /// the same moment, among those answered to the end: requests of other tests, which share the fake, do not count.
    /// </summary>
    public int MaxConcurrentRequests(string marker)
    {
        var edges = _answered.Where(r => r.Message.Contains(marker, StringComparison.Ordinal))
            .SelectMany(r => new[] { (At: r.Began, Step: 1), (At: r.Ended, Step: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Step);
        int open = 0, most = 0;
        foreach (var (_, step) in edges)
        {
            most = Math.Max(most, open += step);
        }
        return most;
    }

    /// <summary>How many requests carried exactly this last user message.</summary>
    public int AttemptsFor(string userMessage) => _attemptsByMessage.GetValueOrDefault(userMessage);

    /// <summary>How many answers to this last user message the caller abandoned while they streamed.</summary>
    public int AbortedFor(string userMessage) => _abortedByMessage.GetValueOrDefault(userMessage);

    /// <summary>Lets every answer held by <c>[[hold:KEY]]</c> go on (and any later one through at once).</summary>
    public void Release(string key) => Hold(key).TrySetResult();

    private TaskCompletionSource Hold(string key) =>
        _holds.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>
    /// What <c>[[error:NAME]]</c> answers: one realistic provider failure per class of the seed's error table, with
    /// the status and the <c>{"error": "…"}</c> body real servers send (Ollama's shape; OllamaSharp keeps the body
    /// only for 400, so the status is what the worker classifies by for the others).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (int Status, string Message)> Failures = new Dictionary<string, (int, string)>
    {
        ["rate_limited"] = (429, "rate limit exceeded, please slow down"),
        ["quota"] = (402, "insufficient_quota: you exceeded your current quota, please check your plan and billing details"),
        ["model_not_found"] = (404, "model '{model}' not found, try pulling it first"),
        ["permission"] = (401, "unauthorized: invalid api key"),
        ["unavailable"] = (503, "server overloaded, please try again later"),
        ["timeout"] = (504, "upstream request timeout"),
        ["content_blocked"] = (400, "the response was blocked by the content filter (safety system)"),
        ["unknown"] = (500, "boom"),
    };

    /// <summary>Every chat request body received (both protocols), in arrival order.</summary>
    public IReadOnlyList<JsonObject> Requests => [.. _requests.Select(request => request.Body)];

    /// <summary>Every chat request received, with where it went and the credentials it carried.</summary>
    public IReadOnlyList<ModelRequest> Received => [.. _requests];

    /// <summary>The tokens the fake model streams for a user message; concatenated, they are the answer.</summary>
    public static IReadOnlyList<string> ReplyTo(string userMessage)
    {
        if (userMessage.Contains("[[empty]]", StringComparison.Ordinal))
        {
            return [];
        }
        var clean = Markers().Replace(userMessage, "").Trim();
        var words = $"You said: {clean}. That is all from the fake model.".Split(' ');
        IEnumerable<string> tokens = words.Select((word, index) => index == 0 ? word : " " + word);
        // [[nul]]: a model can write anything, U+0000 included, which PostgreSQL cannot store as text.
        return userMessage.Contains("[[nul]]", StringComparison.Ordinal) ? [.. tokens.Prepend("\0")] : [.. tokens];
    }

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeModelServer(app);
        app.MapGet("/", () => "Ollama is running");
        app.MapGet("/api/tags", () => Results.Json(new { models = new[] { new { name = ModelName, model = ModelName } } }));
        app.MapPost("/api/chat", context => server.CountedAsync(context, server.AnswerAsync));
        server.MapOpenAi(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    private async Task CountedAsync(HttpContext context, Func<HttpContext, Task> answer)
    {
        var began = Stopwatch.GetTimestamp();
        try
        {
            await answer(context);
        }
        finally
        {
            if (context.Items[typeof(ModelRequest)] is ModelRequest request)
            {
                _answered.Enqueue((request.LastUserMessage, began, Stopwatch.GetTimestamp()));
            }
        }
    }

    /// <summary>Records the request and counts the attempt for its last user message.</summary>
    private async Task<(ModelRequest Request, int Attempt)> ReceiveAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var authorization = context.Request.Headers.Authorization.ToString();
        var request = new ModelRequest(context.Request.Path, authorization.Length > 0 ? authorization : null, body);
        _requests.Enqueue(request);
        context.Items[typeof(ModelRequest)] = request;
        var attempt = _attemptsByMessage.AddOrUpdate(request.LastUserMessage, 1, (_, count) => count + 1);
        return (request, attempt);
    }

    /// <summary>
    /// The failure the message asks for on this attempt, with the status and words a provider would send, or null to answer.
    /// Name is the <c>[[error:NAME]]</c> class, if that is what was asked for, so each protocol can word it its own way.
    /// </summary>
    private static (int Status, string Message, string? Name)? FailureFor(string lastUser, int attempt, string model)
    {
        // [[fail-times:N:STATUS]]: the first N attempts for this message fail with STATUS, later ones succeed.
        var failTimes = Regex.Match(lastUser, @"\[\[fail-times:(\d+):(\d+)\]\]");
        if (failTimes.Success && attempt <= int.Parse(failTimes.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
        {
            return (int.Parse(failTimes.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), "fake transient failure: server overloaded", null);
        }

        if (Regex.Match(lastUser, @"\[\[error:(\w+)\]\]") is { Success: true } named && Failures.TryGetValue(named.Groups[1].Value, out var failure))
        {
            return (failure.Status, failure.Message.Replace("{model}", model, StringComparison.Ordinal), named.Groups[1].Value);
        }

        // What real providers put in the body for each status, so classification by words is exercised too.
        return Marker(lastUser, "fail") is { } status ? (status, ProviderMessage(status, lastUser), null) : null;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var (request, attempt) = await ReceiveAsync(context);
        var lastUser = request.LastUserMessage;
        if (FailureFor(lastUser, attempt, request.Model ?? ModelName) is { } failure)
        {
            context.Response.StatusCode = failure.Status;
            await context.Response.WriteAsJsonAsync(new { error = failure.Message });
            return;
        }

        // [[hold:KEY]]: the answer waits, holding its worker slot, until the test calls Release(KEY).
        if (HoldRegex().Match(lastUser) is { Success: true } hold)
        {
            await Hold(hold.Groups[1].Value).Task.WaitAsync(context.RequestAborted);
        }
        var delay = TimeSpan.FromMilliseconds(Marker(lastUser, "delay") ?? 0);
        var (tokens, finishReason) = Generate(ReplyTo(lastUser), request.Body, ollama: true);
        // [[retry-differs]]: a retry answers differently from the attempt before it, as a sampling model does.
        if (attempt > 1 && lastUser.Contains("[[retry-differs]]", StringComparison.Ordinal))
        {
            tokens = [.. tokens.Prepend("Once more:")];
        }
        var cut = CutRegex().Match(lastUser) is { Success: true } cutMatch && attempt <= int.Parse(cutMatch.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            ? int.Parse(cutMatch.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)
            : (int?)null;
        // [[endless-first]]: the first attempt never ends (the reply's words over and over) until the caller gives up on
        // it, so the caller keeps working as long as the test needs; later attempts answer normally.
        var endless = attempt == 1 && lastUser.Contains("[[endless-first]]", StringComparison.Ordinal);
        var stream = endless ? Enumerable.Repeat(tokens, int.MaxValue).SelectMany(words => words) : tokens;
        context.Response.ContentType = "application/x-ndjson";
        try
        {
            foreach (var (token, index) in stream.Select((token, index) => (token, index)))
            {
                if (index == cut)
                {
                    await WriteLineAsync(context, new { error = "llama runner process has terminated: signal: killed" });
                    return;
                }
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, context.RequestAborted);
                }
                await WriteLineAsync(context, new { model = ModelName, created_at = DateTime.UtcNow, message = new { role = "assistant", content = token }, done = false });
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            _abortedByMessage.AddOrUpdate(lastUser, 1, (_, count) => count + 1);
            throw;
        }
        await WriteLineAsync(context, new
        {
            model = ModelName,
            created_at = DateTime.UtcNow,
            message = new { role = "assistant", content = "" },
            done = true,
            done_reason = finishReason,
            total_duration = 1_000_000,
            prompt_eval_count = 12,
            eval_count = tokens.Count,
        });
    }

    private static string ProviderMessage(int status, string prompt) => status switch
    {
        429 => "rate limit exceeded, please slow down",
        402 => "insufficient_quota: you exceeded your current quota, check your billing details",
        404 => $"model '{ModelName}' not found, try pulling it first",
        401 => "unauthorized: invalid api key",
        403 => "forbidden: this key has no permission for the model",
        503 => "server overloaded, try again later",
        400 when prompt.Contains("[[blocked]]", StringComparison.Ordinal) => "the response was blocked by the content filter (safety system)",
        400 => "bad request",
        _ => "boom",
    };

    private static async Task WriteLineAsync(HttpContext context, object line)
    {
        await context.Response.WriteAsync(JsonSerializer.Serialize(line) + "\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static int? Marker(string text, string name)
    {
        var match = Regex.Match(text, $@"\[\[{name}:(\d+)\]\]");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"\[\[cut-times:(\d+):(\d+)\]\]")]
    private static partial Regex CutRegex();

    [GeneratedRegex(@"\[\[hold:([\w-]+)\]\]")]
    private static partial Regex HoldRegex();

    [GeneratedRegex(@"\[\[[\w-]+(:[\w-]+)*\]\]")]
    private static partial Regex Markers();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
