using System.ComponentModel.DataAnnotations;

namespace TaskFlow.ChatSocket.Conversations;

public sealed class ChatOptions : IValidatableObject
{
    public const string SectionName = "Chat";

    [Required]
    public string SystemPrompt { get; set; } =
        "You are TaskFlow, a helpful assistant. Answer clearly and concisely. Use Markdown when it helps.";

    /// <summary>Most messages (history and the new one) in a prompt; the token budget usually binds first.</summary>
    [Range(1, 500)]
    public int ContextMessages { get; set; } = 50;

    /// <summary>Tokens (o200k_base) of everything sent with each prompt: system prompt, summary, interruption context, history and the new message.</summary>
    [Range(256, 1_000_000)]
    public int ContextTokenBudget { get; set; } = 6000;

    /// <summary>A "[token-guard]" warning is logged when a conversation's whole history (summarized turns included) exceeds this many tokens.</summary>
    [Range(256, 10_000_000)]
    public int TokenWarningThreshold { get; set; } = 8000;

    /// <summary>Tokens the running summary of dropped turns may use (0: no summary); its oldest lines go first.</summary>
    [Range(0, 100_000)]
    public int SummaryTokenBudget { get; set; } = 600;

    /// <summary>Longest user message accepted, in characters.</summary>
    [Range(1, 200_000)]
    public int MaxMessageChars { get; set; } = 16_000;

    /// <summary>
    /// Largest <c>/v1/chat/completions</c> request body accepted, in bytes; larger ones are refused with 413 (and read
    /// and dropped, never kept, so that a client that sends before it reads hears it). Each message in it is held to
    /// <see cref="MaxMessageChars"/> as well.
    /// </summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxCompletionRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest WebSocket message accepted, in bytes; larger ones are refused with an error and discarded.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 128 * 1024;

    /// <summary>Client events allowed per connection per <see cref="FloodWindow"/>.</summary>
    [Range(1, 10_000)]
    public int FloodLimit { get; set; } = 30;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FloodWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>WebSockets one user may hold open at once, over every replica (tabs, devices); one more is refused.</summary>
    [Range(1, 10_000)]
    public int MaxSocketsPerUser { get; set; } = 20;

    /// <summary>Jobs of one user waiting or being answered at once (every API together); one more is refused until one ends.</summary>
    [Range(1, 10_000)]
    public int MaxOpenJobsPerUser { get; set; } = 16;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A message the chat accepts must fit in a /v1 body too, even with every character escaped as \uXXXX.
        if ((long)MaxMessageChars * 6 + 1024 > MaxCompletionRequestBytes)
        {
            yield return new ValidationResult(
                $"Chat:MaxCompletionRequestBytes ({MaxCompletionRequestBytes}) must be at least 6 × Chat:MaxMessageChars + 1024 ({(long)MaxMessageChars * 6 + 1024}), so a message of the longest allowed length fits in a request.",
                [nameof(MaxCompletionRequestBytes)]);
        }
        // The summary is reserved out of the context budget; more than half would leave little room for the conversation itself.
        if (SummaryTokenBudget > ContextTokenBudget / 2)
        {
            yield return new ValidationResult(
                $"Chat:SummaryTokenBudget ({SummaryTokenBudget}) must be at most half of Chat:ContextTokenBudget ({ContextTokenBudget}).",
                [nameof(SummaryTokenBudget)]);
        }
    }
}
