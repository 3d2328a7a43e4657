namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// What the client asked for when it connected: <c>/ws?conversationId=…&amp;model=…&amp;lastSeq=…&amp;lang=…&amp;greeting=…</c>.
/// <paramref name="Language"/> is a BCP 47 tag for the server's own words (nudges, the greeting), from <c>lang</c> or
/// Accept-Language; <paramref name="Greeting"/> is false when the client declined the greeting of a new conversation.
/// </summary>
public sealed record SessionRequest(string UserId, Guid? ConversationId, string? RequestedModel, long LastSequence, string? Language = null, bool Greeting = true);
