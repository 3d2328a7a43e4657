namespace TaskFlow.Contracts.Chat;

/// <summary>What a job produces: the assistant's answer in a conversation, or a suggested question for the user to ask.</summary>
public enum JobKind
{
    Answer,
    Question,

    /// <summary>An OpenAI-compatible chat completion: the client sends the whole prompt, nothing is stored as a conversation.</summary>
    Completion,
}

/// <summary>
/// Command: produce the assistant's answer for one user message (or, for <see cref="JobKind.Question"/>, a question
/// to ask; such jobs belong to no conversation and their <c>ConversationId</c> is empty). Carries everything the worker needs,
/// so the worker never reads the chat schema. <c>Options</c> are set only for OpenAI-compatible completions.
/// </summary>
public sealed record GenerateReply(
    Guid GenerationId,
    Guid ConversationId,
    Guid UserMessageId,
    string UserId,
    string ModelId,
    JobPriority Priority,
    IReadOnlyList<ChatTurn> Prompt,
    DateTimeOffset EnqueuedAt,
    JobKind Kind = JobKind.Answer,
    GenerationOptions? Options = null);

/// <summary>
/// Event: a worker took a generation job off the queue and is calling the model. Sent once the answer has run for
/// <c>Inference:StartAnnouncementDelay</c> (or parks); an answer that ends sooner carries its start in
/// <see cref="ReplyFinished.StartedAt"/> instead.
/// </summary>
public sealed record GenerationStarted(Guid GenerationId, Guid ConversationId, string UserId, DateTimeOffset StartedAt);
