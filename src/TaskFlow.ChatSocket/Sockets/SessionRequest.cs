namespace TaskFlow.ChatSocket.Sockets;

/// <summary>What the client asked for when it connected: <c>/ws?conversationId=…&amp;model=…&amp;lastSeq=…</c>.</summary>
public sealed record SessionRequest(string UserId, Guid? ConversationId, string? RequestedModel, long LastSequence);
