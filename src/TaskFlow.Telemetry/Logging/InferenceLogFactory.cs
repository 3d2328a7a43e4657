using TaskFlow.Contracts.Telemetry;
using TaskFlow.Telemetry.Data;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.Telemetry.Logging;

/// <summary>Builds the stored row from the event: every free-text field redacted and capped, identifiers bounded.</summary>
public static class InferenceLogFactory
{
    /// <summary>Ids, model names and codes are short; a producer bug should not be able to store a novel in them.</summary>
    public const int IdentifierMaxLength = 200;

    public static InferenceLog Create(
        InferenceCompleted completed,
        PiiRedactor redactor,
        TelemetryOptions options,
        ICollection<PiiMatch>? found = null)
    {
        ArgumentNullException.ThrowIfNull(completed);
        ArgumentNullException.ThrowIfNull(options);

        var latency = Math.Max(0, completed.LatencyMs);
        return new InferenceLog
        {
            Id = Guid.CreateVersion7(),
            GenerationId = completed.GenerationId,
            Attempt = Math.Max(1, completed.Attempt),
            ConversationId = completed.ConversationId,
            MessageId = completed.MessageId,
            UserId = Bounded(completed.UserId),
            Model = Bounded(completed.ModelId),
            Provider = Bounded(completed.Provider),
            Status = Bounded(completed.Status).Trim().ToLowerInvariant(),
            LatencyMs = latency,
            TimeToFirstTokenMs = completed.TimeToFirstTokenMs is { } ttft ? Math.Max(0, ttft) : null,
            InputTokens = completed.InputTokens,
            OutputTokens = completed.OutputTokens,
            ErrorCode = completed.ErrorCode is null ? null : Bounded(completed.ErrorCode),
            ErrorMessage = completed.ErrorMessage is null
                ? null
                : PreviewText.Create(completed.ErrorMessage, redactor, options.ErrorMessageMaxLength, found),
            InputPreview = PreviewText.Create(completed.InputPreview, redactor, options.PreviewMaxLength, found),
            OutputPreview = PreviewText.Create(completed.OutputPreview, redactor, options.PreviewMaxLength, found),
            // Event time, in UTC (timestamptz takes no other offset): a backlog consumed after an outage still lands in
            // the minutes the calls happened, so throughput charts do not show a burst at recovery.
            // A producer that left StartedAt unset would otherwise file the call under year 1, outside every window.
            CreatedAt = completed.StartedAt == default
                ? DateTimeOffset.UtcNow
                : completed.StartedAt.ToUniversalTime().AddMilliseconds(latency),
        };
    }

    private static string Bounded(string? value) =>
        string.IsNullOrEmpty(value) ? "unknown" : value.Length <= IdentifierMaxLength ? value : value[..IdentifierMaxLength];
}
