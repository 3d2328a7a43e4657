using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TaskFlow.UnitTests.Hosting;

/// <summary>
/// The HTTP/2 port a ChatSocket opens for the gateway, on a real Kestrel over loopback: it speaks only HTTP/2, carries
/// several WebSockets on one connection, and leaves the public port as it was.
/// </summary>
public sealed class Http2PortTests
{
    [Fact]
    public async Task The_port_answers_HTTP2_refuses_HTTP11_and_the_public_port_stays_HTTP11()
    {
        await using var server = await Server.StartAsync();

        using var h2 = new HttpClient(new SocketsHttpHandler());
        using var onH2Port = await h2.SendAsync(new HttpRequestMessage(HttpMethod.Get, server.Http2Url("/protocol"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        Assert.Equal(HttpVersion.Version20, onH2Port.Version);
        Assert.Equal("HTTP/2", await onH2Port.Content.ReadAsStringAsync());

        using var h1 = new HttpClient(new SocketsHttpHandler());
        using var h1OnH2Port = await h1.GetAsync(server.Http2Url("/protocol"));
        // Kestrel refuses it with a 400 that says why, rather than dropping the connection.
        Assert.Equal(HttpStatusCode.BadRequest, h1OnH2Port.StatusCode);
        Assert.Contains("HTTP/2 only", await h1OnH2Port.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var onPublicPort = await h1.GetAsync(server.PublicUrl("/protocol"));
        Assert.Equal(HttpVersion.Version11, onPublicPort.Version);
        Assert.Equal("HTTP/1.1", await onPublicPort.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WebSockets_share_one_connection_on_the_port()
    {
        await using var server = await Server.StartAsync();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());

        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var socket = new ClientWebSocket();
                socket.Options.HttpVersion = HttpVersion.Version20;
                socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
                await socket.ConnectAsync(new Uri(server.Http2Url("/echo").Replace("http://", "ws://", StringComparison.Ordinal)), invoker, CancellationToken.None);
                sockets.Add(socket);
            }

            for (var i = 0; i < sockets.Count; i++)
            {
                Assert.Equal($"socket {i} ✓", await EchoAsync(sockets[i], $"socket {i} ✓"));
            }
            Assert.Single(server.EchoConnections.Distinct());
            Assert.All(server.EchoProtocols, protocol => Assert.Equal("HTTP/2", protocol));
            Assert.Equal(sockets.Count, server.EchoProtocols.Count);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_stream_may_hold_64_KB_and_its_connection_room_for_every_stream()
    {
        await using var server = await Server.StartAsync();
        var limits = server.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.Http2;

        Assert.Equal(64 * 1024, limits.InitialStreamWindowSize);
        Assert.Equal(64 * 1024 * limits.MaxStreamsPerConnection, limits.InitialConnectionWindowSize);
    }

    [Fact]
    public async Task A_body_left_unread_by_an_early_answer_is_still_taken_in_whole()
    {
        // Kestrel resets an HTTP/2 stream whose body the answer left unread; behind the gateway that reached a client
        // which sends before it reads as a broken connection. The port's drain takes the rest of the body instead.
        await using var server = await Server.StartAsync();
        using var h2 = new HttpClient(new SocketsHttpHandler());
        var body = new CountedContent(4 * 1024 * 1024);
        using var refused = await h2.SendAsync(new HttpRequestMessage(HttpMethod.Post, server.Http2Url("/refuse"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = body,
        });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("no key", await refused.Content.ReadAsStringAsync());
        Assert.Equal(body.Length, body.Sent);

        // A body the application reads still reaches it whole, and a client waiting for "100 Continue" is not waited for.
        using var echoed = await h2.SendAsync(new HttpRequestMessage(HttpMethod.Post, server.Http2Url("/length"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new CountedContent(100_000),
        });
        Assert.Equal("100000", await echoed.Content.ReadAsStringAsync());
        var asking = new CountedContent(4 * 1024 * 1024);
        var askingRequest = new HttpRequestMessage(HttpMethod.Post, server.Http2Url("/refuse"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = asking,
        };
        askingRequest.Headers.ExpectContinue = true;
        using var askingClient = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) });
        using var refusedFirst = await askingClient.SendAsync(askingRequest).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Unauthorized, refusedFirst.StatusCode);
        Assert.Equal("no key", await refusedFirst.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, asking.Sent);
    }

    [Fact]
    public void Without_a_port_nothing_changes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddHttp2Port();
        using var app = builder.Build();

        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.Http2;
        Assert.Equal(new KestrelServerOptions().Limits.Http2.InitialStreamWindowSize, limits.InitialStreamWindowSize);
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("0")]
    [InlineData("http2")]
    public void A_value_that_is_not_a_port_stops_the_service_and_names_the_variable(string value)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration[Http2Port.PortKey] = value;

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddHttp2Port());
        Assert.Contains("Http2__Port", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> EchoAsync(WebSocket socket, string text)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>A request body of zeros that counts how much of it the client wrote.</summary>
    private sealed class CountedContent(long length) : HttpContent
    {
        public long Length => length;

        public long Sent { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            while (Sent < length)
            {
                var size = (int)Math.Min(chunk.Length, length - Sent);
                await stream.WriteAsync(chunk.AsMemory(0, size));
                Sent += size;
            }
        }

        protected override bool TryComputeLength(out long size)
        {
            size = length;
            return true;
        }
    }

    /// <summary>A web app with a public port and the HTTP/2 port, as ChatSocket's Program.cs sets them up.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly int publicPort;
        private readonly int http2Port;

        private Server(WebApplication app, int publicPort, int http2Port)
        {
            App = app;
            this.publicPort = publicPort;
            this.http2Port = http2Port;
        }

        public WebApplication App { get; }

        public ConcurrentQueue<string> EchoConnections { get; } = new();

        public ConcurrentQueue<string> EchoProtocols { get; } = new();

        public string PublicUrl(string path) => $"http://127.0.0.1:{publicPort}{path}";

        public string Http2Url(string path) => $"http://127.0.0.1:{http2Port}{path}";

        public static async Task<Server> StartAsync()
        {
            var (publicPort, http2Port) = (LoopbackPorts.Unused(), LoopbackPorts.Unused());
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration["urls"] = $"http://127.0.0.1:{publicPort}";
            builder.Configuration[Http2Port.PortKey] = http2Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.AddHttp2Port();
            var app = builder.Build();
            var server = new Server(app, publicPort, http2Port);
            app.UseWebSockets();
            app.MapGet("/protocol", (HttpContext context) => context.Request.Protocol);
            app.MapPost("/refuse", () => Results.Text("no key", statusCode: StatusCodes.Status401Unauthorized));
            app.MapPost("/length", async (HttpContext context) =>
            {
                long length = 0;
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    length += read;
                }
                return length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            });
            app.Map("/echo", async context =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }
                server.EchoConnections.Enqueue(context.Connection.Id);
                server.EchoProtocols.Enqueue(context.Request.Protocol);
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[1024];
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
                }
            });
            await app.StartAsync();
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
