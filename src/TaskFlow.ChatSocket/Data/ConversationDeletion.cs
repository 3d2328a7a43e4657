namespace TaskFlow.ChatSocket.Data;

/// <summary>
/// A deleted conversation whose <c>ConversationDeleted</c> event RabbitMQ has not confirmed yet: written in the same
/// transaction as the delete (an outbox row), removed once the event is published.
/// </summary>
public sealed class ConversationDeletion
{
    public Guid ConversationId { get; set; }

    public required string UserId { get; set; }

    public DateTimeOffset DeletedAt { get; set; }
}
