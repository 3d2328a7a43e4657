using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using TaskFlow.ChatSocket.Generations;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// A WebSocket allows one send at a time; the session's reader, forwarders and timers all queue events here
/// and one loop writes them in order.
/// </summary>
public sealed class SocketSender(WebSocket socket) : IEventSink, IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Channel<ServerEvent> _outbox = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _loop;
    private (WebSocketCloseStatus Status, string Reason)? _close;

    public void Start(CancellationToken cancellationToken) => _loop = WriteLoopAsync(cancellationToken);

    public void Send(ServerEvent serverEvent) => _outbox.Writer.TryWrite(serverEvent);

    /// <summary>
    /// Sends what is queued, then the close frame; what is sent after this is dropped (the client gets it from the
    /// stream and the database when it reconnects). The close goes through the loop because a close frame is a send.
    /// </summary>
    public void CloseAfterQueued(WebSocketCloseStatus status, string reason)
    {
        _close ??= (status, reason);
        _outbox.Writer.TryComplete();
    }

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var serverEvent in _outbox.Reader.ReadAllAsync(cancellationToken))
            {
                if (socket.State != WebSocketState.Open)
                {
                    return;
                }
                var bytes = JsonSerializer.SerializeToUtf8Bytes<object>(serverEvent, Json);
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            if (_close is { } close && socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(close.Status, close.Reason, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The connection is gone; whatever was not sent is in the stream and the database for the next connect.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outbox.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop;
        }
    }
}
