namespace TaskFlow.ChatSocket.Data;

public sealed class Conversation
{
    public const int TitleMaxLength = 80;

    public Guid Id { get; set; }

    /// <summary>The only user who may read, resume, cancel or delete it.</summary>
    public required string UserId { get; set; }

    public string Title { get; set; } = "New conversation";

    /// <summary>active, completed (ended by idle timeout) or cancelled.</summary>
    public string Status { get; set; } = ConversationStatus.Active;

    public required string Model { get; set; }

    public required string Provider { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Extractive running summary of the turns that fell out of the context window.</summary>
    public string? Summary { get; set; }

    /// <summary>The creation time of the newest message folded into <see cref="Summary"/>.</summary>
    public DateTimeOffset? SummarizedThrough { get; set; }

    /// <summary>
    /// Tokens of the messages folded into <see cref="Summary"/>, so the token guard can weigh the whole history
    /// without reading the messages the summary replaced.
    /// </summary>
    public int SummarizedTokens { get; set; }

    public List<Message> Messages { get; set; } = [];
}

public static class ConversationStatus
{
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
}
