namespace TaskFlow.Telemetry.Data;

/// <summary>
/// A conversation its owner deleted. Kept so that a model call still in flight at the delete, whose log arrives later,
/// is stored without its previews too.
/// </summary>
public sealed class DeletedConversation
{
    public Guid ConversationId { get; set; }

    public required string UserId { get; set; }

    public DateTimeOffset DeletedAt { get; set; }
}
