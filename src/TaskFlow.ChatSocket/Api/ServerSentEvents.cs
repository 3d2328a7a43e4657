using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using TaskFlow.ChatSocket.Sockets.Protocol;

namespace TaskFlow.ChatSocket.Api;

/// <summary>
/// Writes protocol events as Server-Sent Events: the event name is the protocol type, the data its JSON. Every event's
/// id is the last token sequence number sent, so a client's Last-Event-ID says exactly where to resume.
/// </summary>
public sealed class ServerSentEvents(HttpResponse response) : IEventSink
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private readonly Channel<ServerEvent> _outbox = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true });
    private long _lastSequence;

    public void Send(ServerEvent serverEvent) => _outbox.Writer.TryWrite(serverEvent);

    public void Complete() => _outbox.Writer.TryComplete();

    /// <summary>Writes events until <see cref="Complete"/> or the client leaves.</summary>
    public async Task WriteAsync(long lastSequence, CancellationToken cancellationToken)
    {
        _lastSequence = lastSequence;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx buffer responses unless told not to; events must arrive as they happen.
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync("retry: 2000\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);

        while (true)
        {
            using var beat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            beat.CancelAfter(Heartbeat);
            bool more;
            try
            {
                more = await _outbox.Reader.WaitToReadAsync(beat.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                continue;
            }
            if (!more)
            {
                return;
            }
            while (_outbox.Reader.TryRead(out var serverEvent))
            {
                if (serverEvent is AiToken token)
                {
                    _lastSequence = token.Seq;
                }
                var data = JsonSerializer.Serialize<object>(serverEvent, Json);
                await response.WriteAsync(
                    $"id: {_lastSequence.ToString(CultureInfo.InvariantCulture)}\nevent: {serverEvent.Type}\ndata: {data}\n\n", cancellationToken);
            }
            await response.Body.FlushAsync(cancellationToken);
        }
    }
}
