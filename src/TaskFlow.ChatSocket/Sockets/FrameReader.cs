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

/// <summary>
/// Reads one whole WebSocket message at a time; an oversized one is drained and reported, never buffered. The buffer
/// starts small and grows, up to the largest message allowed, only for a message that needs it, and the next message
/// starts small again: an idle socket (most of them, most of the time) holds a few KB, not the largest message.
/// </summary>
public sealed class FrameReader(int maxBytes)
{
    private const int InitialBytes = 4096;

    private byte[] _buffer = new byte[Math.Min(InitialBytes, maxBytes)];

    /// <summary>The last message read (<see cref="Frame.Length"/> bytes of it), until the next read.</summary>
    public ReadOnlySpan<byte> Message(Frame frame) => _buffer.AsSpan(0, frame.Length);

    public async Task<Frame> ReadAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        if (_buffer.Length > InitialBytes)
        {
            _buffer = new byte[InitialBytes];
        }
        var length = 0;
        var tooLarge = false;
        while (true)
        {
            if (!tooLarge && length == _buffer.Length)
            {
                if (_buffer.Length < maxBytes)
                {
                    Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 4, maxBytes));
                }
                else
                {
                    tooLarge = true;
                }
            }
            // What is left of an oversized message is read over the buffer and dropped.
            var target = tooLarge ? _buffer.AsMemory() : _buffer.AsMemory(length);
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
