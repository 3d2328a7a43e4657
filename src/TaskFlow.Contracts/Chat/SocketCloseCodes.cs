namespace TaskFlow.Contracts.Chat;

/// <summary>
/// How the chat socket's server ends a connection, as the page reads it (chat/socket-client.js keeps the same numbers;
/// docs/protocol.md). 4000–4999 are the application's own range.
/// </summary>
public static class SocketCloseCodes
{
    /// <summary>RFC 6455's "service restart": this replica is going away; reconnect now, another one answers.</summary>
    public const int ServiceRestart = 1012;

    /// <summary>The conversation asked for does not exist or is not the user's; the ai_error before it says so.</summary>
    public const int ConversationNotFound = 4404;

    /// <summary>The user has as many sockets open as allowed.</summary>
    public const int TooManyConnections = 4429;
}
