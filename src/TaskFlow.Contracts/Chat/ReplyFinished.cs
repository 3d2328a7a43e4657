namespace TaskFlow.Contracts.Chat;

/// <summary>
/// Event: a generation ended (completed, interrupted, cancelled or failed). Any ChatSocket replica stores the
/// assistant message from it exactly once; the assistant message id is the generation id. <paramref name="StartedAt"/> is
/// the worker's start when no <see cref="GenerationStarted"/> announced it (an answer that ended within
/// <c>Inference:StartAnnouncementDelay</c>), null otherwise.
/// </summary>
public sealed record ReplyFinished(
    Guid GenerationId,
    Guid ConversationId,
    string ModelId,
    string Status,
    string Content,
    int TokenCount,
    int? InputTokens,
    int? OutputTokens,
    string? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset FinishedAt,
    DateTimeOffset? StartedAt = null);
