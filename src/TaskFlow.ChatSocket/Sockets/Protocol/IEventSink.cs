namespace TaskFlow.ChatSocket.Sockets.Protocol;

/// <summary>Where a relay's events go: a WebSocket, or a Server-Sent Events response.</summary>
public interface IEventSink
{
    void Send(ServerEvent serverEvent);
}
