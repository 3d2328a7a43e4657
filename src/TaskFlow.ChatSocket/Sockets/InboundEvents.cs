using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Sockets.Protocol;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// The client's frames as events. What cannot be one (too large, binary, too fast, not an event) is answered with
/// <c>ai_error</c> and skipped: bad input never ends the session.
/// </summary>
internal sealed class InboundEvents(WebSocket socket, IEventSink sender, ChatOptions options, TimeProvider clock)
{
    private readonly FloodGuard _flood = new(options.FloodLimit, options.FloodWindow, clock);

    /// <summary>Ends when the client closes (the close is answered) or the socket is gone.</summary>
    public async IAsyncEnumerable<ClientEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new FrameReader(options.MaxFrameBytes);
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var frame = await reader.ReadAsync(socket, cancellationToken);
            switch (frame.Kind)
            {
                case FrameKind.Close:
                    // Unless this side closed first (a draining replica), the client's close is answered.
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }
                    yield break;
                case FrameKind.TooLarge:
                    sender.Send(new AiError(null, ErrorCodes.MessageTooLarge,
                        $"That message was larger than {options.MaxFrameBytes / 1024} KB and was discarded. Send a shorter message."));
                    continue;
                case FrameKind.Binary:
                    sender.Send(new AiError(null, ErrorCodes.UnsupportedFrame, "Binary frames are not supported; send JSON text."));
                    continue;
            }

            if (!_flood.Allow())
            {
                sender.Send(new AiError(null, ErrorCodes.Flooding, "You are sending messages too fast. Wait a few seconds and try again."));
                continue;
            }
            if (!ClientEvent.TryParse(reader.Message(frame), out var clientEvent, out var error))
            {
                sender.Send(new AiError(null, ErrorCodes.InvalidMessage, error!));
                continue;
            }
            yield return clientEvent!;
        }
    }
}
