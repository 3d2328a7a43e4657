namespace TaskFlow.ChatSocket.Data;

/// <summary>One queued job: stored before the user's message is acknowledged, so it survives any restart.</summary>
public sealed class Generation
{
    public Guid Id { get; set; }

    /// <summary>Empty for a suggested-question job, which belongs to no conversation.</summary>
    public Guid? ConversationId { get; set; }

    /// <summary>Empty for a suggested-question job.</summary>
    public Guid UserMessageId { get; set; }

    /// <summary>answer or question (see <c>JobKind</c>).</summary>
    public string Kind { get; set; } = "answer";

    public required string UserId { get; set; }

    public required string Model { get; set; }

    /// <summary>The priority the user chose (see <c>JobPriority</c>).</summary>
    public int Priority { get; set; }

    /// <summary>The RabbitMQ priority it was queued with: the chosen priority adjusted for fairness between users.</summary>
    public int QueuePriority { get; set; }

    /// <summary>waiting, processing, completed, interrupted, cancelled or failed.</summary>
    public required string Status { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The job's prompt (JSON) from the moment it is stored until RabbitMQ confirms it, so a job whose publish failed
    /// or never happened can be published again (see <c>JobRedispatcher</c>); cleared once it is queued.
    /// </summary>
    public string? PendingPrompt { get; set; }

    /// <summary>When RabbitMQ confirmed the job; null while PostgreSQL is the only place that has it.</summary>
    public DateTimeOffset? QueuedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}
