using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// A model server that streams on time and does nothing else: Ollama's <c>/api/chat</c> (NDJSON) and the OpenAI API's
/// <c>/v1/chat/completions</c> (server-sent chunks), with the reachability probes both clients make. Each answer follows
/// the <see cref="AnswerProfile"/> marker in its last user message; tokens are due at fixed times from the request's
/// arrival, so a slow reader never slows the schedule, as with a GPU server that generates regardless of its client.
/// </summary>
public sealed class PacedModelServer : IAsyncDisposable
{
    public const string ModelName = "bench-model";

    private static readonly AnswerProfile Fallback = new(20, 0, TimeSpan.Zero);
    private readonly WebApplication _app;
    private long _answers;

    private PacedModelServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>How TaskFlow's worker is pointed at it (the AppHost's <c>ConnectionStrings:chat</c>).</summary>
    public string OllamaConnectionString => $"Endpoint={BaseAddress.ToString().TrimEnd('/')};Model={ModelName}";

    public long Answers => Interlocked.Read(ref _answers);

    public static async Task<PacedModelServer> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new PacedModelServer(app);
        app.MapGet("/", () => "Ollama is running");
        app.MapGet("/api/tags", () => Results.Json(new { models = new[] { new { name = ModelName, model = ModelName } } }));
        app.MapPost("/api/chat", server.OllamaAsync);
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = ModelName, @object = "model", created = 1_700_000_000, owned_by = "benchmark" } },
        }));
        app.MapPost("/v1/chat/completions", server.OpenAiAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    private async Task OllamaAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var (profile, _) = await ReadAsync(context);
        context.Response.ContentType = "application/x-ndjson";
        var created = DateTime.UtcNow.ToString("O");
        await StreamAsync(context, profile, arrived, token =>
            $$"""{"model":"{{ModelName}}","created_at":"{{created}}","message":{"role":"assistant","content":"{{token}}"},"done":false}""" + "\n");
        await context.Response.WriteAsync(
            $$"""{"model":"{{ModelName}}","created_at":"{{created}}","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1000000,"prompt_eval_count":12,"eval_count":{{profile.Tokens}}}""" + "\n");
    }

    private async Task OpenAiAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var (profile, includeUsage) = await ReadAsync(context);
        context.Response.ContentType = "text/event-stream";
        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Chunk(string delta, string finish) =>
            $$"""data: {"id":"{{id}}","object":"chat.completion.chunk","created":{{created}},"model":"{{ModelName}}","choices":[{"index":0,"delta":{{delta}},"finish_reason":{{finish}}}]}""" + "\n\n";
        await StreamAsync(context, profile, arrived, token => Chunk($$"""{"content":"{{token}}"}""", "null"));
        await context.Response.WriteAsync(Chunk("{}", "\"stop\""));
        if (includeUsage)
        {
            var usage = $$"""{"prompt_tokens":12,"completion_tokens":{{profile.Tokens}},"total_tokens":{{profile.Tokens + 12}}}""";
            await context.Response.WriteAsync(
                $$"""data: {"id":"{{id}}","object":"chat.completion.chunk","created":{{created}},"model":"{{ModelName}}","choices":[],"usage":{{usage}}}""" + "\n\n");
        }
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private async Task StreamAsync(HttpContext context, AnswerProfile profile, long arrived, Func<string, string> line)
    {
        Interlocked.Increment(ref _answers);
        for (var i = 0; i < profile.Tokens; i++)
        {
            var wait = profile.DueAt(i) - Stopwatch.GetElapsedTime(arrived);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, context.RequestAborted);
            }
            await context.Response.WriteAsync(line(AnswerProfile.Token(i)), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task<(AnswerProfile Profile, bool IncludeUsage)> ReadAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var lastUser = "";
        if (body.RootElement.TryGetProperty("messages", out var messages))
        {
            foreach (var message in messages.EnumerateArray())
            {
                if (message.TryGetProperty("role", out var role) && role.GetString() == "user"
                    && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    lastUser = content.GetString()!;
                }
            }
        }
        var includeUsage = body.RootElement.TryGetProperty("stream_options", out var options)
            && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
        return (AnswerProfile.Find(lastUser) ?? Fallback, includeUsage);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
