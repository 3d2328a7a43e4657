using System.Diagnostics;

namespace TaskFlow.ChatSocket.Telemetry;

/// <summary>
/// Spans of the chat socket. A socket lives for minutes and carries many turns, so each turn gets its own trace
/// (linked to the connection's) instead of all of them hanging off one endless request span.
/// </summary>
public static class ChatActivity
{
    public static readonly ActivitySource Source = new("TaskFlow.ChatSocket");

    /// <summary>Starts a new root span for one chat turn; call it where nothing else should be its parent.</summary>
    public static Activity? StartTurn(string name, Guid? conversationId)
    {
        var connection = Activity.Current;
        Activity.Current = null;
        var links = connection is null ? null : new[] { new ActivityLink(connection.Context) };
        var turn = Source.StartActivity(name, ActivityKind.Server, default(ActivityContext), links: links);
        turn?.SetTag("taskflow.conversation_id", conversationId);
        return turn;
    }
}
