using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace TaskFlow.Benchmark;

/// <summary>One benchmark user: registered through the real sign-up page, chatting over its own WebSocket.</summary>
public sealed class BenchUser : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    private BenchUser()
    {
    }

    /// <param name="model">The model of the user's conversation; null for the deployment's default.</param>
    public static async Task<BenchUser> SignUpAsync(Uri gateway, string? model, CancellationToken cancellationToken)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = gateway };
        var email = $"bench-{Guid.NewGuid():N}"[..18] + "@example.test";
        const string password = "benchmark password";
        using var response = await AccountForms.SubmitAsync(http, AccountForms.Register, AccountForms.SignUp(email, password), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Signing up failed with HTTP {(int)response.StatusCode}.");
        }

        var user = new BenchUser();
        user._socket.Options.Cookies = cookies;
        var socketUri = new UriBuilder(gateway)
        {
            Scheme = gateway.Scheme == "https" ? "wss" : "ws",
            Path = "/ws",
            Query = model is null ? "" : $"model={Uri.EscapeDataString(model)}",
        }.Uri;
        await user._socket.ConnectAsync(socketUri, cancellationToken);
        return user;
    }

    public Task SendAsync(object clientEvent, CancellationToken cancellationToken) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(clientEvent), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>The next server event's type and body; null when the server closed the socket.</summary>
    public async Task<(string Type, JsonElement Body)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            message.Write(_buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var body = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                return (body.GetProperty("type").GetString() ?? "", body);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "benchmark done", CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // The server went first; nothing to close.
            }
        }
        _socket.Dispose();
    }
}
