namespace TaskFlow.Contracts.Chat;

/// <summary>
/// Command: produce the assistant's answer for one user message. Carries everything the worker needs,
/// so the worker never reads the chat schema.
/// </summary>
public sealed record GenerateReply(
    Guid GenerationId,
    Guid ConversationId,
    Guid UserMessageId,
    string UserId,
    string ModelId,
    JobPriority Priority,
    IReadOnlyList<ChatTurn> Prompt,
    DateTimeOffset EnqueuedAt);

/// <summary>Event: a worker took a generation job off the queue and is calling the model.</summary>
public sealed record GenerationStarted(Guid GenerationId, Guid ConversationId, string UserId, DateTimeOffset StartedAt);
