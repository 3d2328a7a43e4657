using System.Net.WebSockets;

namespace TaskFlow.ChatSocket.Sockets;

public enum FrameKind
{
    Text,
    Binary,
    Close,
    TooLarge,
}

public readonly record struct Frame(FrameKind Kind, int Length);

/// <summary>Reads one whole WebSocket message into a fixed buffer; an oversized one is drained and reported, never buffered.</summary>
public static class FrameReader
{
    public static async Task<Frame> ReadAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        var tooLarge = false;
        var drain = new byte[4096];
        while (true)
        {
            var target = tooLarge ? drain.AsMemory() : buffer.AsMemory(length);
            if (target.Length == 0)
            {
                tooLarge = true;
                continue;
            }
            var result = await socket.ReceiveAsync(target, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Frame(FrameKind.Close, 0);
            }
            if (!tooLarge)
            {
                length += result.Count;
            }
            if (result.EndOfMessage)
            {
                return tooLarge ? new Frame(FrameKind.TooLarge, 0)
                    : result.MessageType == WebSocketMessageType.Binary ? new Frame(FrameKind.Binary, length)
                    : new Frame(FrameKind.Text, length);
            }
        }
    }
}
