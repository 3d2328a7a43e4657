namespace TaskFlow.ChatSocket.Generations;

/// <summary>Where a relay's events go: a WebSocket, or a Server-Sent Events response.</summary>
public interface IEventSink
{
    void Send(ServerEvent serverEvent);

    /// <summary>
    /// The events sent after this come from the generation's stream entry <paramref name="sequence"/> (until the next
    /// call), so a sink that numbers its events (Server-Sent Events) can let a client resume strictly after them.
    /// </summary>
    void At(long sequence)
    {
    }
}
