namespace TaskFlow.ChatSocket.Data;

public sealed class Message
{
    /// <summary>For assistant messages this is the generation id, which makes storing a result idempotent.</summary>
    public Guid Id { get; set; }

    public Guid ConversationId { get; set; }

    /// <summary>user, assistant or system.</summary>
    public required string Role { get; set; }

    public required string Content { get; set; }

    /// <summary>completed, interrupted, cancelled or failed (see <c>GenerationStatus</c>).</summary>
    public required string Status { get; set; }

    public int? InputTokens { get; set; }

    public int? OutputTokens { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
