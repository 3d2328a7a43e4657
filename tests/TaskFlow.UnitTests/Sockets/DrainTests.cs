using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Sockets;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Sockets;

/// <summary>
/// A stopping replica's socket (ChatSession.Drain): what was queued still goes out, then the close with 1012, and the
/// session's reader ends when the client's close comes back, rather than when the host's shutdown timeout aborts it.
/// Two real WebSockets over a loopback TCP connection.
/// </summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Queued_events_go_out_then_1012_and_the_reader_ends_on_the_clients_close()
    {
        var (server, client) = await LoopbackWebSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            var sender = new SocketSender(server);
            using var session = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            sender.Start(session.Token);
            var reader = ReadAllAsync(new InboundEvents(server, sender, new ChatOptions(), TimeProvider.System), session.Token);

            sender.Send(new AiError(null, ErrorCodes.Flooding, "queued before the drain"));
            sender.CloseAfterQueued((WebSocketCloseStatus)SocketCloseCodes.ServiceRestart, "server restarting: reconnect");
            sender.Send(new AiError(null, ErrorCodes.Flooding, "after the drain: the client resumes it from the stream"));

            var buffer = new byte[4096];
            var first = await client.ReceiveAsync(buffer, session.Token);
            Assert.Contains("queued before the drain", Encoding.UTF8.GetString(buffer, 0, first.Count), StringComparison.Ordinal);
            var close = await client.ReceiveAsync(buffer, session.Token);
            Assert.Equal(WebSocketMessageType.Close, close.MessageType);
            Assert.Equal(SocketCloseCodes.ServiceRestart, (int)close.CloseStatus!);

            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", session.Token);

            Assert.Equal(0, await reader);
            await sender.DisposeAsync();
            Assert.Equal(WebSocketState.Closed, server.State);
        }
    }

    private static async Task<int> ReadAllAsync(InboundEvents inbound, CancellationToken cancellationToken)
    {
        var events = 0;
        await foreach (var _ in inbound.ReadAsync(cancellationToken))
        {
            events++;
        }
        return events;
    }
}
