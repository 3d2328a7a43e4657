using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using TaskFlow.ChatSocket.Generations;

namespace TaskFlow.ChatSocket.Api;

/// <summary>
/// Writes protocol events as Server-Sent Events: the event name is the protocol type, the data its JSON. An event's
/// id is the sequence of the stream entry it comes from (events that come from none, such as queue positions, carry
/// the last one), so a client's Last-Event-ID says exactly where to resume: strictly after that entry.
/// </summary>
public sealed class ServerSentEvents(HttpResponse response) : IEventSink
{
    /// <summary>
    /// The id of the result of a job whose stream has expired: it comes after every entry, so a client resuming with it
    /// is told there is nothing more (see <see cref="JobStatusEvents"/>).
    /// </summary>
    public const long AfterEnd = long.MaxValue;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private readonly Channel<(ServerEvent Event, long Id)> _outbox =
        Channel.CreateUnbounded<(ServerEvent, long)>(new UnboundedChannelOptions { SingleReader = true });
    private long _sequence;

    public void Send(ServerEvent serverEvent) => _outbox.Writer.TryWrite((serverEvent, Interlocked.Read(ref _sequence)));

    public void At(long sequence) => Interlocked.Exchange(ref _sequence, sequence);

    public void Complete() => _outbox.Writer.TryComplete();

    /// <summary>Writes events until <see cref="Complete"/> or the client leaves.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
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
            while (_outbox.Reader.TryRead(out var item))
            {
                var data = JsonSerializer.Serialize<object>(item.Event, Json);
                await response.WriteAsync(
                    $"id: {item.Id.ToString(CultureInfo.InvariantCulture)}\nevent: {item.Event.Type}\ndata: {data}\n\n", cancellationToken);
            }
            await response.Body.FlushAsync(cancellationToken);
        }
    }
}
