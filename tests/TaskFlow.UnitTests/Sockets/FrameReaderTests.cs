using System.Net.WebSockets;
using System.Text;
using TaskFlow.ChatSocket.Sockets;

namespace TaskFlow.UnitTests.Sockets;

/// <summary>
/// Whole messages of any size up to the limit come through intact, sent in one frame or many; a larger one is drained
/// and reported without ending the socket, and the next message reads as usual.
/// </summary>
public sealed class FrameReaderTests
{
    private const int MaxBytes = 64 * 1024;

    [Fact]
    public async Task Messages_up_to_the_limit_arrive_whole_and_a_larger_one_is_reported_and_skipped()
    {
        var (server, client) = await LoopbackWebSockets.ConnectedPairAsync();
        using (server)
        using (client)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var reader = new FrameReader(MaxBytes);
            var small = "héllo 👋";
            var grown = Text(10_000);
            var exact = Text(MaxBytes);
            var inPieces = Text(20_000);

            var sending = Task.Run(async () =>
            {
                await SendAsync(client, small, timeout.Token);
                await SendAsync(client, grown, timeout.Token);
                await SendAsync(client, exact, timeout.Token);
                await SendAsync(client, Text(MaxBytes + 1), timeout.Token);
                var pieces = Encoding.UTF8.GetBytes(inPieces).Chunk(3000).ToList();
                for (var i = 0; i < pieces.Count; i++)
                {
                    await client.SendAsync(pieces[i], WebSocketMessageType.Text, endOfMessage: i == pieces.Count - 1, timeout.Token);
                }
                await client.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
                await SendAsync(client, small, timeout.Token);
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            });

            foreach (var expected in new[] { small, grown, exact })
            {
                var frame = await reader.ReadAsync(server, timeout.Token);
                Assert.Equal(FrameKind.Text, frame.Kind);
                Assert.Equal(expected, Encoding.UTF8.GetString(reader.Message(frame)));
            }
            Assert.Equal(FrameKind.TooLarge, (await reader.ReadAsync(server, timeout.Token)).Kind);
            var pieced = await reader.ReadAsync(server, timeout.Token);
            Assert.Equal(inPieces, Encoding.UTF8.GetString(reader.Message(pieced)));
            var binary = await reader.ReadAsync(server, timeout.Token);
            Assert.Equal(FrameKind.Binary, binary.Kind);
            Assert.Equal([1, 2, 3], reader.Message(binary).ToArray());
            var last = await reader.ReadAsync(server, timeout.Token);
            Assert.Equal(small, Encoding.UTF8.GetString(reader.Message(last)));
            Assert.Equal(FrameKind.Close, (await reader.ReadAsync(server, timeout.Token)).Kind);
            await sending;
        }
    }

    private static Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>ASCII text of exactly <paramref name="bytes"/> bytes.</summary>
    private static string Text(int bytes) => string.Concat(Enumerable.Range(0, bytes).Select(i => (char)('a' + i % 26)));
}
