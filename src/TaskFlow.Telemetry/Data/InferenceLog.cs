namespace TaskFlow.Telemetry.Data;

/// <summary>One model call as Telemetry stores it: numbers as reported, free text redacted and capped.</summary>
public sealed class InferenceLog
{
    public Guid Id { get; set; }

    /// <summary>The generation this call served. With <see cref="Attempt"/> it is unique, so a redelivered event adds nothing.</summary>
    public Guid GenerationId { get; set; }

    /// <summary>Which call of the generation this was: 1, then 2, 3… when transient failures were retried.</summary>
    public int Attempt { get; set; } = 1;

    public Guid ConversationId { get; set; }

    public Guid? MessageId { get; set; }

    public required string UserId { get; set; }

    public required string Model { get; set; }

    public required string Provider { get; set; }

    /// <summary>As the worker reported it (completed, failed, cancelled, interrupted; older producers: success, error).</summary>
    public required string Status { get; set; }

    public long LatencyMs { get; set; }

    public long? TimeToFirstTokenMs { get; set; }

    public int? InputTokens { get; set; }

    public int? OutputTokens { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public required string InputPreview { get; set; }

    public required string OutputPreview { get; set; }

    /// <summary>When the call finished (its start plus its latency), not when the event was consumed.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
