using System.Text;
using System.Text.Json;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>Writes one completion in OpenAI's shape: chunks over SSE ending with <c>[DONE]</c>, or one JSON object at the end.</summary>
internal sealed class CompletionWriter(HttpContext http, string id, string model, long created, bool stream, bool includeUsage)
{
    private readonly StringBuilder _answer = new();
    private readonly StringBuilder _sent = new();
    private bool _started;
    private bool _replaying;

    /// <summary>The answer of the current attempt.</summary>
    public string Content => _answer.ToString();

    /// <summary>What a streaming client has received.</summary>
    public string SentContent => _sent.ToString();

    /// <summary>
    /// A retried attempt starts its answer again (the relay's <c>ai_start</c> with <c>restarted</c>). A non-streaming
    /// client only ever sees the last attempt; a streaming one already holds the earlier tokens and cannot take them
    /// back, so the new attempt is checked against them and only what goes beyond them is sent (see <see cref="TokenAsync"/>).
    /// </summary>
    public void Restart()
    {
        _answer.Clear();
        _replaying = stream && _sent.Length > 0;
    }

    /// <returns>
    /// False when a retried attempt says something other than what the streaming client already received: the two
    /// cannot be joined into one answer, and the caller must end the completion with an error.
    /// </returns>
    public async Task<bool> TokenAsync(string text)
    {
        var from = _answer.Length;
        _answer.Append(text);
        if (!stream)
        {
            return true;
        }
        if (_replaying)
        {
            if (!RepeatsSentText(from))
            {
                return false;
            }
            if (_answer.Length <= _sent.Length)
            {
                return true;
            }
            _replaying = false;
            text = _answer.ToString(_sent.Length, _answer.Length - _sent.Length);
        }
        await SendAsync(text);
        return true;
    }

    private async Task SendAsync(string text)
    {
        _sent.Append(text);
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

    /// <summary>The retried attempt's text from <paramref name="from"/> on matches what the client already has.</summary>
    private bool RepeatsSentText(int from)
    {
        var end = Math.Min(_answer.Length, _sent.Length);
        for (var i = from; i < end; i++)
        {
            if (_answer[i] != _sent[i])
            {
                return false;
            }
        }
        return true;
    }

    public async Task FinishAsync(long promptTokens, long completionTokens, string finishReason = "stop")
    {
        var usage = new CompletionUsage(promptTokens, completionTokens, promptTokens + completionTokens);
        if (!stream)
        {
            await http.Response.WriteAsJsonAsync(new ChatCompletion(id, "chat.completion", created, model,
                [new ChatCompletionChoice(0, new AssistantMessage("assistant", Content), null, finishReason)], usage), OpenAiJson.Options);
            return;
        }
        if (!_started)
        {
            await SendAsync("");
        }
        await WriteChunkAsync(new AssistantMessage(null, null), finishReason, null);
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
            await OpenAiErrors.WriteAsync(http, status, message, type, code);
            return;
        }
        // Headers are gone already: the error travels in the stream, as OpenAI-compatible servers do.
        await WriteAsync(new OpenAiError(new OpenAiErrorBody(message, type, null, code)));
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
