using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace TaskFlow.Tests.Support;

/// <summary>A test's side of the chat socket: send protocol events, read server events one by one.</summary>
public sealed class ChatSocketClient : IAsyncDisposable
{
    // Between two events. A stack's first turns compile their code: on a slow 2-core machine busy with three other
    // stacks starting, a just-started replica took 75 s to store its first message.
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    private readonly ClientWebSocket _socket = new();

    private ChatSocketClient()
    {
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<ChatSocketClient> ConnectAsync(Uri gateway, string query = "", Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new ChatSocketClient();
        configure?.Invoke(client._socket.Options);
        // Tests of other things do not want the greeting's events before theirs; the greeting's own test asks for it.
        if (!query.Contains("greeting=", StringComparison.Ordinal))
        {
            query = query.Length == 0 ? "greeting=false" : query + "&greeting=false";
        }
        var builder = new UriBuilder(gateway) { Scheme = gateway.Scheme == "https" ? "wss" : "ws", Path = "/ws", Query = query };
        await client._socket.ConnectAsync(builder.Uri, CancellationToken.None);
        return client;
    }

    public Task SendAsync(object clientEvent) => SendRawAsync(JsonSerializer.Serialize(clientEvent));

    public Task SendRawAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public Task SendUserMessageAsync(string text, string? priority = null) =>
        SendAsync(priority is null ? new { type = "user_message", text } : new { type = "user_message", text, priority });

    /// <summary>The next server event, or null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    /// <summary>Reads events until one of <paramref name="types"/> arrives (included); fails on close or timeout.</summary>
    public Task<List<JsonElement>> ReceiveUntilAsync(params string[] types) =>
        ReceiveUntilAsync(e => types.Contains(e.GetProperty("type").GetString()), string.Join("/", types));

    /// <summary>
    /// One turn's events, up to the end of its own answer. The end of anything else (the stack's idle check-in, which
    /// can start just before a message arrives on a slow machine) does not count, and is returned among the rest.
    /// </summary>
    public async Task<List<JsonElement>> ReceiveTurnAsync()
    {
        var events = await ReceiveUntilAsync("message_accepted", "ai_error");
        if (events[^1].GetProperty("type").GetString() == "ai_error")
        {
            return events;
        }
        events.AddRange(await ReceiveUntilEndOfAsync(Guid.Parse(events[^1].GetProperty("generationId").GetString()!)));
        return events;
    }

    /// <summary>Events up to the generation's own <c>ai_done</c> or <c>ai_error</c>; another one's end does not count.</summary>
    public Task<List<JsonElement>> ReceiveUntilEndOfAsync(Guid generationId)
    {
        var id = generationId.ToString();
        return ReceiveUntilAsync(
            e => e.GetProperty("type").GetString() is "ai_done" or "ai_error" && e.TryGetProperty("generationId", out var of) && of.GetString() == id,
            $"the end of answer {id}");
    }

    private async Task<List<JsonElement>> ReceiveUntilAsync(Func<JsonElement, bool> isLast, string what)
    {
        var events = new List<JsonElement>();
        string Got() => string.Join(", ", events.Select(e => e.GetProperty("type").GetString()));
        while (true)
        {
            JsonElement? received;
            try
            {
                received = await ReceiveAsync();
            }
            catch (OperationCanceledException e)
            {
                // What did come says where the turn stopped (accepted, queued, started…).
                throw new TimeoutException($"No {what} within {DefaultTimeout.TotalSeconds:0} s; got: {Got()}", e);
            }

            var next = received ?? throw new InvalidOperationException($"The socket closed before {what}; got: {Got()}");
            events.Add(next);
            if (isLast(next))
            {
                return events;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test done", new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Closing is courtesy; the test already has what it needed.
            }
        }
        _socket.Dispose();
    }
}

public static class EventExtensions
{
    public static string Type(this JsonElement e) => e.GetProperty("type").GetString()!;

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private static readonly string[] QueueEventTypes = ["queue_position", "progress", "job_status"];

    /// <summary>The conversation events without the queue's position, progress and status reports, which interleave freely.</summary>
    public static List<JsonElement> WithoutQueueEvents(this IEnumerable<JsonElement> events) =>
        [.. events.Where(e => !QueueEventTypes.Contains(e.Type()))];
}
