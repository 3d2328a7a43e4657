namespace TaskFlow.Contracts.Telemetry;

/// <summary>
/// Event: one model call ended. Previews are raw here; the Telemetry service redacts PII before anything is stored.
/// A job that the worker retried sends one event per call, numbered by <paramref name="Attempt"/> from 1; older producers
/// that did not send it are read as attempt 1.
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
    DateTimeOffset StartedAt,
    int Attempt = 1);
