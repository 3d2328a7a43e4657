namespace TaskFlow.Contracts.Chat;

/// <summary>
/// Event: a user deleted a conversation. Every service that keeps a copy of what was written or answered in it removes
/// that copy (Telemetry scrubs the previews of its inference logs, which carry the conversation id). Published at least
/// once, possibly more than once, and possibly long after the delete when RabbitMQ was down: consumers are idempotent.
/// </summary>
public sealed record ConversationDeleted(Guid ConversationId, string UserId, DateTimeOffset DeletedAt);
