namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// What the client asked for when it connected: <c>/ws?conversationId=…&amp;model=…&amp;lastSeq=…&amp;lang=…</c>.
/// <paramref name="Language"/> is a BCP 47 tag for the server's own words (nudges), from <c>lang</c> or Accept-Language.
/// </summary>
public sealed record SessionRequest(string UserId, Guid? ConversationId, string? RequestedModel, long LastSequence, string? Language = null);
