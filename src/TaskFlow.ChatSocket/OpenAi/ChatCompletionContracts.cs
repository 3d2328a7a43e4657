// "object" is a field of OpenAI's wire format; the records mirror it.
#pragma warning disable CA1720
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// OpenAI's chat completion request: the fields TaskFlow honours, and those it must refuse rather than ignore
/// (<see cref="CompletionRequestReader"/> checks them). Other fields (user, metadata, store, logit_bias…) are ignored,
/// as OpenAI-compatible servers do.
/// </summary>
public sealed class ChatCompletionRequest
{
    public string? Model { get; set; }

    public List<ChatCompletionMessage>? Messages { get; set; }

    public bool Stream { get; set; }

    public StreamOptions? StreamOptions { get; set; }

    /// <summary>
    /// TaskFlow extension: high, medium (default) or low queue priority. The <c>X-TaskFlow-Priority</c> header works too;
    /// when both are sent they must agree.
    /// </summary>
    public string? Priority { get; set; }

    public int? MaxTokens { get; set; }

    public int? MaxCompletionTokens { get; set; }

    /// <summary>A string or an array of up to four strings.</summary>
    public JsonElement Stop { get; set; }

    public int? N { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public double? FrequencyPenalty { get; set; }

    public double? PresencePenalty { get; set; }

    public long? Seed { get; set; }

    public JsonElement ResponseFormat { get; set; }

    public JsonElement Tools { get; set; }

    public JsonElement ToolChoice { get; set; }

    public JsonElement Functions { get; set; }

    public JsonElement FunctionCall { get; set; }

    public bool? Logprobs { get; set; }

    public int? TopLogprobs { get; set; }
}

public sealed class StreamOptions
{
    public bool IncludeUsage { get; set; }
}

public sealed class ChatCompletionMessage
{
    public string? Role { get; set; }

    /// <summary>A string, or an array of parts of which the text parts are used.</summary>
    public JsonElement Content { get; set; }

    public string? Text() => Content.ValueKind switch
    {
        JsonValueKind.String => Content.GetString(),
        JsonValueKind.Array => string.Concat(Content.EnumerateArray()
            .Where(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.GetString() == "text")
            .Select(part => part.TryGetProperty("text", out var text) ? text.GetString() : "")),
        _ => null,
    };
}

public sealed record ChatCompletion(
    string Id, string Object, long Created, string Model, IReadOnlyList<ChatCompletionChoice> Choices, CompletionUsage? Usage);

public sealed record ChatCompletionChoice(int Index, AssistantMessage? Message, AssistantMessage? Delta, string? FinishReason);

public sealed record AssistantMessage(string? Role, string? Content);

public sealed record CompletionUsage(long PromptTokens, long CompletionTokens, long TotalTokens);

public sealed record OpenAiError(OpenAiErrorBody Error);

/// <summary>OpenAI's error object; <c>param</c> and <c>code</c> are always written, null when they do not apply, as OpenAI does.</summary>
public sealed record OpenAiErrorBody(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

public sealed record ModelListing(string Object, IReadOnlyList<ModelCard> Data);

public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

internal static class OpenAiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
