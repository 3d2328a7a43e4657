using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Sockets;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Sockets;

/// <summary>
/// A socket refused (too many open for its user) is told why and closed. The client may leave meanwhile or never
/// answer the close: either ends the refusal quietly instead of throwing out of the request or holding it open.
/// </summary>
public sealed class RefusalTests
{
    private static readonly AiError TooMany = new(null, ErrorCodes.TooManyConnections, "Close a tab.");
    private const WebSocketCloseStatus Status = (WebSocketCloseStatus)SocketCloseCodes.TooManyConnections;

    [Fact]
    public async Task A_client_that_answers_the_close_reads_the_reason_and_the_close_code()
    {
        var (server, client) = await LoopbackWebSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            var refusing = ChatSocketEndpoint.RefuseAsync(server, TooMany, Status, TimeSpan.FromSeconds(30), CancellationToken.None);
            var buffer = new byte[4096];
            var message = await client.ReceiveAsync(buffer, CancellationToken.None);
            using var error = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, message.Count));
            Assert.Equal("ai_error", error.RootElement.GetProperty("type").GetString());
            Assert.Equal(ErrorCodes.TooManyConnections, error.RootElement.GetProperty("code").GetString());
            var close = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Close, close.MessageType);
            Assert.Equal(Status, client.CloseStatus);
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            await refusing;
            Assert.Equal(WebSocketState.Closed, server.State);
        }
    }

    [Fact]
    public async Task A_client_gone_before_the_close_handshake_ends_the_refusal_without_an_exception()
    {
        var (server, client) = await LoopbackWebSockets.ConnectedPairAsync();
        using (server)
        {
            var buffer = new byte[4096];
            var refusing = ChatSocketEndpoint.RefuseAsync(server, TooMany, Status, TimeSpan.FromSeconds(30), CancellationToken.None);
            await client.ReceiveAsync(buffer, CancellationToken.None);
            // Gone without a close frame: the TCP connection ends under the server's wait for one.
            client.Abort();
            client.Dispose();
            await refusing.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(WebSocketState.Aborted, server.State);
        }
    }

    [Fact]
    public async Task A_client_that_never_answers_the_close_is_dropped_after_the_timeout()
    {
        var (server, client) = await LoopbackWebSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            // The client reads nothing and never closes.
            await ChatSocketEndpoint.RefuseAsync(server, TooMany, Status, TimeSpan.FromMilliseconds(300), CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(WebSocketState.Aborted, server.State);
        }
    }
}
