using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TaskFlow.Tests.Fakes;

/// <summary>
/// The OpenAI API side of the fake: <c>POST /v1/chat/completions</c> (server-sent <c>chat.completion.chunk</c>s ending in
/// <c>data: [DONE]</c>, or one <c>chat.completion</c>), <c>GET /v1/models</c>, and failures as an HTTP status with
/// <c>{"error":{"message","type","param","code"}}</c>. Same replies, markers and recording as the Ollama side, plus
/// <c>[[content-filter]]</c>: a few tokens, then <c>finish_reason: "content_filter"</c>, as Azure OpenAI cuts an answer off.
/// </summary>
public sealed partial class FakeModelServer
{
    public const string OpenAiModelName = "fake-gpt-4o-mini";

    /// <summary>How many tokens go out before <c>[[content-filter]]</c> stops the answer.</summary>
    public const int TokensBeforeContentFilter = 3;

    /// <summary>The OpenAI base address, as configured for OpenAI-compatible servers (the SDK appends <c>/chat/completions</c>).</summary>
    public Uri OpenAiBaseAddress => new(BaseAddress, "v1");

    /// <summary>
    /// What <c>[[error:NAME]]</c> answers on the OpenAI API: the status and error object the OpenAI (or, for the content
    /// filter, Azure OpenAI) API really sends for that class.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, OpenAiError> OpenAiFailures = new Dictionary<string, OpenAiError>
    {
        ["rate_limited"] = new(429, "Rate limit reached for {model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.", "requests", "rate_limit_exceeded"),
        ["quota"] = new(429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota"),
        ["model_not_found"] = new(404, "The model `{model}` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
        ["permission"] = new(401, "Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"),
        ["unavailable"] = new(503, "The server is overloaded or not ready yet.", "server_error", null),
        ["timeout"] = new(504, "Gateway timeout: the upstream server did not answer in time.", "server_error", null),
        ["content_blocked"] = new(400, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.", null, "content_filter"),
        ["unknown"] = new(500, "The server had an error while processing your request. Sorry about that!", "server_error", null),
    };

    /// <summary>
    /// Tokens as a real tokenizer roughly counts them (one per four characters), not one per streamed chunk, so a test can
    /// tell the usage the server reported from a count the worker made itself.
    /// </summary>
    public static int CountTokens(string text) => Math.Max(1, (text.Length + 3) / 4);

    private void MapOpenAi(WebApplication app)
    {
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = OpenAiModelName, @object = "model", created = 1_700_000_000, owned_by = "taskflow-tests" } },
        }));
        app.MapPost("/v1/chat/completions", context => CountedAsync(context, AnswerOpenAiAsync));
    }

    private async Task AnswerOpenAiAsync(HttpContext context)
    {
        var (request, attempt) = await ReceiveAsync(context);
        var (body, lastUser, model) = (request.Body, request.LastUserMessage, request.Model ?? OpenAiModelName);
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, new(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.", "invalid_request_error", null), model);
            return;
        }
        if (FailureFor(lastUser, attempt, model) is { } failure)
        {
            await WriteErrorAsync(context, failure.Name is { } name && OpenAiFailures.TryGetValue(name, out var named)
                ? named
                : new(failure.Status, failure.Message, failure.Status >= 500 ? "server_error" : "invalid_request_error", null), model);
            return;
        }

        var filtered = lastUser.Contains("[[content-filter]]", StringComparison.Ordinal);
        var (tokens, finishReason) = filtered ? ([.. ReplyTo(lastUser).Take(TokensBeforeContentFilter)], "content_filter") : Generate(ReplyTo(lastUser), body, ollama: false);
        var reply = new Reply(
            $"chatcmpl-{Guid.NewGuid():N}", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, tokens,
            finishReason,
            new Usage(CountTokens(request.PromptText), CountTokens(string.Concat(tokens))));
        if (body["stream"]?.GetValue<bool>() == true)
        {
            var includeUsage = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
            await StreamOpenAiAsync(context, reply, includeUsage, TimeSpan.FromMilliseconds(Marker(lastUser, "delay") ?? 0));
        }
        else
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id = reply.Id,
                @object = "chat.completion",
                created = reply.Created,
                model = reply.Model,
                choices = new[]
                {
                    new { index = 0, message = new { role = "assistant", content = string.Concat(reply.Tokens), refusal = (string?)null }, logprobs = (object?)null, finish_reason = reply.FinishReason },
                },
                usage = reply.Usage.ToJson(),
                system_fingerprint = "fp_fake",
            });
        }
    }

    private static async Task StreamOpenAiAsync(HttpContext context, Reply reply, bool includeUsage, TimeSpan delay)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await WriteEventAsync(context, reply.Chunk(new { role = "assistant", content = "", refusal = (string?)null }, null, includeUsage));
        foreach (var token in reply.Tokens)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            await WriteEventAsync(context, reply.Chunk(new { content = token }, null, includeUsage));
        }
        await WriteEventAsync(context, reply.Chunk(new { }, reply.FinishReason, includeUsage));
        if (includeUsage)
        {
            await WriteEventAsync(context, reply.UsageChunk());
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteEventAsync(HttpContext context, JsonObject chunk)
    {
        await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteErrorAsync(HttpContext context, OpenAiError error, string model)
    {
        context.Response.StatusCode = error.Status;
        await context.Response.WriteAsJsonAsync(new
        {
            error = new { message = error.Message.Replace("{model}", model, StringComparison.Ordinal), type = error.Type, param = (string?)null, code = error.Code },
        });
    }

    /// <summary>An OpenAI API failure: the HTTP status and the fields of the body's <c>error</c> object.</summary>
    public sealed record OpenAiError(int Status, string Message, string? Type, string? Code);

    private sealed record Usage(int PromptTokens, int CompletionTokens)
    {
        public JsonObject ToJson() => new()
        {
            ["prompt_tokens"] = PromptTokens,
            ["completion_tokens"] = CompletionTokens,
            ["total_tokens"] = PromptTokens + CompletionTokens,
        };
    }

    private sealed record Reply(string Id, long Created, string Model, IReadOnlyList<string> Tokens, string FinishReason, Usage Usage)
    {
        /// <summary>With <c>include_usage</c>, OpenAI sends <c>"usage": null</c> in every chunk and the numbers in a last chunk without choices.</summary>
        public JsonObject Chunk(object delta, string? finishReason, bool includeUsage)
        {
            var chunk = Header();
            chunk["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["delta"] = JsonSerializer.SerializeToNode(delta),
                ["logprobs"] = null,
                ["finish_reason"] = finishReason,
            });
            if (includeUsage)
            {
                chunk["usage"] = null;
            }
            return chunk;
        }

        public JsonObject UsageChunk()
        {
            var chunk = Header();
            chunk["choices"] = new JsonArray();
            chunk["usage"] = Usage.ToJson();
            return chunk;
        }

        private JsonObject Header() => new()
        {
            ["id"] = Id,
            ["object"] = "chat.completion.chunk",
            ["created"] = Created,
            ["model"] = Model,
            ["system_fingerprint"] = "fp_fake",
        };
    }
}
