namespace TaskFlow.Contracts.Telemetry;

/// <summary>
/// Event: one model call ended. Previews are raw here; the Telemetry service redacts PII before anything is stored.
/// </summary>
public sealed record InferenceCompleted(
    Guid GenerationId,
    Guid ConversationId,
    Guid? MessageId,
    string UserId,
    string ModelId,
    string Provider,
    string Status,
    long LatencyMs,
    long? TimeToFirstTokenMs,
    int? InputTokens,
    int? OutputTokens,
    string? ErrorCode,
    string? ErrorMessage,
    string InputPreview,
    string OutputPreview,
    DateTimeOffset StartedAt);
