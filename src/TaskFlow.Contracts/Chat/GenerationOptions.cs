namespace TaskFlow.Contracts.Chat;

/// <summary>
/// How the model should generate, as an OpenAI-compatible client asked for it (<c>/v1/chat/completions</c>). Every
/// value is optional: null means the model's own default. ChatSocket has checked the ranges; the worker passes them on
/// to every provider. Chat turns from the socket carry none.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens the answer may have; an answer cut there ends with finish reason "length".</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Text at which the model stops; the sequence itself is not part of the answer.</summary>
    public IReadOnlyList<string>? StopSequences { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public float? FrequencyPenalty { get; init; }

    public float? PresencePenalty { get; init; }

    public long? Seed { get; init; }

    /// <summary>Null or "text" for free text, "json" for any JSON object, "json_schema" for JSON matching <see cref="JsonSchema"/>.</summary>
    public string? ResponseFormat { get; init; }

    public string? JsonSchemaName { get; init; }

    /// <summary>The schema as JSON text, for <see cref="ResponseFormat"/> "json_schema".</summary>
    public string? JsonSchema { get; init; }

    public static class Formats
    {
        public const string Text = "text";
        public const string Json = "json";
        public const string JsonSchema = "json_schema";
    }

    /// <summary>How an answer ended, as the worker reports it at the end of the token stream.</summary>
    public static class FinishReasons
    {
        public const string Stop = "stop";
        public const string Length = "length";
    }
}
