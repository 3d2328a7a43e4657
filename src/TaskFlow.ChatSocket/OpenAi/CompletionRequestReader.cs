using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Text;
using ChatSettings = TaskFlow.ChatSocket.Conversations.ChatOptions;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>A chat completion request that passed every check: what the queue and the answer writer need.</summary>
public sealed record CompletionJob(
    string? Model, IReadOnlyList<ChatTurn> Turns, JobPriority Priority, GenerationOptions? Options, bool Stream, bool IncludeUsage);

/// <summary>Why a request is refused, in OpenAI's terms: HTTP status, the parameter at fault, a code and what to do.</summary>
public sealed record RequestError(int Status, string? Param, string Code, string Message)
{
    public static RequestError Invalid(string? param, string code, string message) => new(StatusCodes.Status400BadRequest, param, code, message);
}

/// <summary>
/// Reads <c>POST /v1/chat/completions</c>: bounds the body before reading it, parses it, and checks everything OpenAI
/// checks, so a client hears at once what TaskFlow cannot do instead of getting an answer that quietly ignored it.
/// </summary>
public static class CompletionRequestReader
{
    public const string PriorityHeader = "X-TaskFlow-Priority";

    public static async Task<(CompletionJob? Job, RequestError? Error)> ReadAsync(HttpContext http, ChatSettings settings)
    {
        var limit = settings.MaxCompletionRequestBytes;
        // A body is never kept beyond the limit, but it is read to its end and dropped, up to DrainFactor times the limit
        // (past that the server stops reading and resets): a client that sends its whole body before it reads must hear
        // the 413. A body announced too large is answered at once and then read (by Kestrel over HTTP/1.1, by Http2Port's
        // drain over the gateway's HTTP/2); a chunked one is read here, where it is counted.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = limit * DrainFactor;
        }
        if (http.Request.ContentLength > limit)
        {
            return (null, TooLarge(limit, settings, http.Request.ContentLength));
        }

        ChatCompletionRequest? request;
        try
        {
            using var body = await ReadBoundedAsync(http.Request.Body, limit, http.RequestAborted);
            if (body is null)
            {
                return (null, TooLarge(limit, settings, null));
            }
            request = await JsonSerializer.DeserializeAsync<ChatCompletionRequest>(body, OpenAiJson.Options, http.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit, settings, null));
        }
        catch (JsonException ex)
        {
            var param = ParamOf(ex.Path);
            return (null, RequestError.Invalid(param, param is null ? "invalid_json" : "invalid_type",
                param is null
                    ? $"The request body is not valid JSON ({ex.Message}). Send a JSON object as OpenAI's chat completion API describes."
                    : $"Invalid type for '{param}': {ex.Message}"));
        }
        if (request is null)
        {
            return (null, RequestError.Invalid(null, "invalid_json", "The request body must be a JSON object with 'model' and 'messages'."));
        }

        var (turns, messageError) = ReadMessages(request.Messages, settings.MaxMessageChars);
        if (messageError is not null)
        {
            return (null, messageError);
        }
        var (options, optionsError) = CompletionOptionsReader.Read(request);
        if (optionsError is not null)
        {
            return (null, optionsError);
        }
        var (priority, priorityError) = ReadPriority(request.Priority, http.Request.Headers[PriorityHeader].FirstOrDefault());
        if (priorityError is not null)
        {
            return (null, priorityError);
        }
        return (new CompletionJob(request.Model, turns, priority, options,
            request.Stream, request.StreamOptions?.IncludeUsage == true), null);
    }

    private const int DrainFactor = 16;

    /// <summary>The body, or null when it had more than <paramref name="limit"/> bytes (then it was read to its end).</summary>
    private static async Task<MemoryStream?> ReadBoundedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var kept = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                total += read;
                if (total <= limit)
                {
                    kept.Write(chunk, 0, read);
                }
            }
            if (total > limit)
            {
                await kept.DisposeAsync();
                return null;
            }
            kept.Position = 0;
            return kept;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static RequestError TooLarge(long limit, ChatSettings settings, long? actual) => new(
        StatusCodes.Status413PayloadTooLarge, null, "request_too_large",
        $"Request bodies are limited to {limit:N0} bytes (Chat:MaxCompletionRequestBytes){(actual is { } size ? $"; this one has {size:N0}" : "")}, " +
        $"and each message to {settings.MaxMessageChars:N0} characters (Chat:MaxMessageChars). Send a shorter prompt.");

    private static (IReadOnlyList<ChatTurn> Turns, RequestError? Error) ReadMessages(List<ChatCompletionMessage>? messages, int maxChars)
    {
        if (messages is null or { Count: 0 })
        {
            return ([], RequestError.Invalid("messages", "missing_required_parameter", "'messages' must contain at least one user message."));
        }
        var turns = new List<ChatTurn>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var role = message?.Role is "developer" ? "system" : message?.Role;
            if (role is not ("system" or "user" or "assistant"))
            {
                return ([], RequestError.Invalid($"messages[{i}].role", "invalid_value",
                    $"Invalid 'messages[{i}].role' ({message?.Role ?? "missing"}): use system, developer, user or assistant. Tool messages are not supported."));
            }
            if (message!.Text() is not { } text)
            {
                return ([], RequestError.Invalid($"messages[{i}].content", "invalid_type",
                    $"'messages[{i}].content' must be a string or an array of text parts."));
            }
            if (text.Length > maxChars)
            {
                return ([], RequestError.Invalid($"messages[{i}].content", "string_above_max_length",
                    $"Invalid 'messages[{i}].content': string too long. Messages are limited to {maxChars:N0} characters (Chat:MaxMessageChars); this one has {text.Length:N0}. Shorten it and send again."));
            }
            // The prompt is stored (PostgreSQL) until RabbitMQ has the job, so it must be text PostgreSQL can hold.
            if (StorableText.Describe(text) is { } unstorable)
            {
                return ([], RequestError.Invalid($"messages[{i}].content", "invalid_value", $"Invalid 'messages[{i}].content': {unstorable}"));
            }
            turns.Add(new ChatTurn(role, text));
        }
        return turns.Any(turn => turn.Role == "user")
            ? (turns, null)
            : ([], RequestError.Invalid("messages", "missing_required_parameter", "'messages' must contain at least one user message."));
    }

    /// <summary>
    /// The body's <c>priority</c> or the <see cref="PriorityHeader"/> header; both may be given only if they agree, since
    /// silently preferring one would run the job at a priority the client did not mean.
    /// </summary>
    internal static (JobPriority Priority, RequestError? Error) ReadPriority(string? body, string? header)
    {
        if (!JobPriorities.TryParse(body, out var fromBody))
        {
            return (default, RequestError.Invalid("priority", "invalid_value", "'priority' must be high, medium or low."));
        }
        if (!JobPriorities.TryParse(header, out var fromHeader))
        {
            return (default, RequestError.Invalid(PriorityHeader, "invalid_value", $"The {PriorityHeader} header must be high, medium or low."));
        }
        if (body is not null && header is not null && fromBody != fromHeader)
        {
            return (default, RequestError.Invalid("priority", "conflicting_priority",
                $"'priority' in the body ({body}) and the {PriorityHeader} header ({header}) disagree. Send one of them, or the same value in both."));
        }
        return (body is not null ? fromBody : fromHeader, null);
    }

    /// <summary>"$.messages[0].content" as OpenAI names parameters: "messages[0].content"; null for the body as a whole.</summary>
    private static string? ParamOf(string? path) =>
        path is null || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
