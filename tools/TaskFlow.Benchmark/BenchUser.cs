using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace TaskFlow.Benchmark;

/// <summary>One benchmark user: registered through the real sign-up page, chatting over its own WebSocket.</summary>
public sealed class BenchUser : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    private readonly Uri _gateway;
    private readonly CookieContainer _cookies;

    private BenchUser(Uri gateway, CookieContainer cookies)
    {
        _gateway = gateway;
        _cookies = cookies;
    }

    /// <param name="model">The model of the user's conversation; null for the deployment's default.</param>
    /// <param name="greeting">Whether a new socket is greeted; a benchmark that times its own turns declines.</param>
    public static async Task<BenchUser> SignUpAsync(Uri gateway, string? model, CancellationToken cancellationToken, bool greeting = true)
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

        var user = new BenchUser(gateway, cookies);
        var query = string.Join('&', new[] { model is null ? null : $"model={Uri.EscapeDataString(model)}", greeting ? null : "greeting=false" }.OfType<string>());
        await user.ConnectAsync(user._socket, query, cancellationToken);
        return user;
    }

    /// <summary>Another socket of this user, opened and left idle (without the greeting); the caller disposes it.</summary>
    public async Task<ClientWebSocket> OpenIdleSocketAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        await ConnectAsync(socket, "greeting=false", cancellationToken);
        return socket;
    }

    /// <summary>A key for the OpenAI-compatible API, created as the settings page does.</summary>
    public async Task<string> CreateApiKeyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = _cookies }) { BaseAddress = _gateway };
        using var response = await http.PostAsync("/api/keys", JsonContent.Create(new { name = "benchmark" }), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("key").GetString()!;
    }

    private Task ConnectAsync(ClientWebSocket socket, string query, CancellationToken cancellationToken)
    {
        socket.Options.Cookies = _cookies;
        var socketUri = new UriBuilder(_gateway)
        {
            Scheme = _gateway.Scheme == "https" ? "wss" : "ws",
            Path = "/ws",
            Query = query,
        }.Uri;
        return socket.ConnectAsync(socketUri, cancellationToken);
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
