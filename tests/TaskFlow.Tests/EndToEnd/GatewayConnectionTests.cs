using System.Globalization;
using System.Net;
using System.Text;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// Between the gateway and a ChatSocket that runs once, sockets share HTTP/2 connections (RFC 8441): an open socket
/// is one open file in the gateway (its client's) and none in ChatSocket, not one more in each.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GatewayConnectionTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Sockets_through_the_gateway_reach_ChatSocket_as_HTTP2_streams_sharing_a_connection_and_still_chat()
    {
        var chatSocket = stack.Services[ServiceNames.ChatSocket];
        var http2Port = chatSocket.Environment("Http2__Port");
        Assert.False(string.IsNullOrEmpty(http2Port), "The AppHost gave the one ChatSocket no HTTP/2 port (Http2__Port).");
        var onHttp2Port = $"server_port=\"{int.Parse(http2Port, CultureInfo.InvariantCulture)}\"";

        using var user = await TestUser.SignUpAsync(stack);
        var sockets = new List<ChatSocketClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                sockets.Add(await user.ConnectAsync());
            }

            // Other tests share this stack and may hold sockets too; each of them crosses the same way.
            var counts = await Eventually.GetAsync(async () =>
            {
                var overHttp2 = await stack.MetricAsync(ServiceNames.ChatSocket, "http_server_active_requests", "http_request_method=\"CONNECT\"");
                var onPort = await stack.MetricAsync(ServiceNames.ChatSocket, "kestrel_active_connections", onHttp2Port);
                return overHttp2 >= sockets.Count ? new[] { overHttp2, onPort } : null;
            }, TimeSpan.FromSeconds(30), "the sockets to arrive at ChatSocket as extended CONNECT requests (WebSockets over HTTP/2)");
            var (streams, connections) = (counts[0], counts[1]);
            Assert.True(connections >= 1 && connections < streams, $"{streams} sockets over HTTP/2 on {connections} connections to its HTTP/2 port.");

            // The streams carry a whole turn, as the connections per socket did.
            await sockets[^1].SendUserMessageAsync("one turn over a shared connection");
            var events = await sockets[^1].ReceiveUntilAsync("ai_done", "ai_error");
            Assert.Equal("ai_done", events[^1].Type());
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/chat")]
    public async Task An_answer_before_a_large_body_is_read_reaches_a_client_that_sends_it_whole(string path)
    {
        // HttpClient, like most SDKs, sends the whole body before it reads the answer. ChatSocket refuses this one
        // (no key, no session) without reading it; over the HTTP/2 hop the unread body used to reset the stream, and
        // about one such request in ten reached the client as a broken connection instead of its 401.
        using var anonymous = new HttpClient { BaseAddress = stack.Gateway };
        var body = $$"""{"model": "fake-qwen", "messages": [{"role": "user", "content": "{{new string('x', 8 * 1024 * 1024)}}"}]}""";
        for (var i = 0; i < 15; i++)
        {
            using var response = await anonymous.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.NotEmpty(await response.Content.ReadAsStringAsync());
        }
    }
}
