namespace TaskFlow.Contracts.Chat;

/// <summary>
/// Event: a generation ended (completed, interrupted, cancelled or failed). Any ChatSocket replica stores the
/// assistant message from it exactly once; the assistant message id is the generation id. <paramref name="StartedAt"/> is
/// when the worker began the answer, where the sender knows it: the worker's own result carries it when no
/// <see cref="GenerationStarted"/> announced it (an answer that ended within <c>Inference:StartAnnouncementDelay</c>), a
/// relay storing the answer it showed carries the start it read off the stream. A start already stored is kept.
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
