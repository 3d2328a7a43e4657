using System.Text;
using System.Text.Json;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>Writes one completion in OpenAI's shape: chunks over SSE ending with <c>[DONE]</c>, or one JSON object at the end.</summary>
internal sealed class CompletionWriter(HttpContext http, string id, string model, long created, bool stream, bool includeUsage)
{
    private readonly StringBuilder _content = new();
    private bool _started;

    public string Content => _content.ToString();

    public int Tokens { get; private set; }

    /// <summary>
    /// A retried attempt starts its answer again. A streaming client has already received the earlier tokens and
    /// cannot take them back (a known limit of streaming retries); a non-streaming one only ever sees the last attempt.
    /// </summary>
    public void Restart()
    {
        if (!stream)
        {
            _content.Clear();
            Tokens = 0;
        }
    }

    public async Task TokenAsync(string text)
    {
        _content.Append(text);
        Tokens++;
        if (!stream)
        {
            return;
        }
        if (!_started)
        {
            _started = true;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await WriteChunkAsync(new AssistantMessage("assistant", ""), null, null);
        }
        await WriteChunkAsync(new AssistantMessage(null, text), null, null);
    }

    public async Task FinishAsync(long promptTokens, long completionTokens)
    {
        var usage = new CompletionUsage(promptTokens, completionTokens, promptTokens + completionTokens);
        if (!stream)
        {
            await http.Response.WriteAsJsonAsync(new ChatCompletion(id, "chat.completion", created, model,
                [new ChatCompletionChoice(0, new AssistantMessage("assistant", Content), null, "stop")], usage), OpenAiJson.Options);
            return;
        }
        if (!_started)
        {
            await TokenAsync("");
        }
        await WriteChunkAsync(new AssistantMessage(null, null), "stop", null);
        if (includeUsage)
        {
            await WriteAsync(new ChatCompletion(id, "chat.completion.chunk", created, model, [], usage));
        }
        await http.Response.WriteAsync("data: [DONE]\n\n");
        await http.Response.Body.FlushAsync();
    }

    public async Task FailAsync(int status, string message, string type, string? code)
    {
        if (!_started)
        {
            await ChatCompletionsApi.ErrorAsync(http, status, message, type, code);
            return;
        }
        // Headers are gone already: the error travels in the stream, as OpenAI-compatible servers do.
        await WriteAsync(new OpenAiError(new OpenAiErrorBody(message, type, code)));
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private Task WriteChunkAsync(AssistantMessage delta, string? finishReason, CompletionUsage? usage) =>
        WriteAsync(new ChatCompletion(id, "chat.completion.chunk", created, model, [new ChatCompletionChoice(0, null, delta, finishReason)], usage));

    private async Task WriteAsync(object payload)
    {
        await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(payload, OpenAiJson.Options)}\n\n");
        await http.Response.Body.FlushAsync();
    }
}
