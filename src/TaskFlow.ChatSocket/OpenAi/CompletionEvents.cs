using System.Threading.Channels;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// What the relay tells a completion, in order: each attempt's start and tokens, then the result as stored, or the
/// relay's own failure. Queue positions and progress have no place in OpenAI's shape and are left out.
/// </summary>
internal sealed class CompletionEvents : IEventSink
{
    private readonly Channel<ServerEvent> _events = Channel.CreateUnbounded<ServerEvent>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The stored result and the worker's end entry, once the answer ended by itself.</summary>
    public (ReplyFinished Reply, TokenStreamEntry End)? Result { get; private set; }

    public void Send(ServerEvent serverEvent)
    {
        switch (serverEvent)
        {
            case AiStart or AiToken:
                _events.Writer.TryWrite(serverEvent);
                break;
            case AiError:
                // The relay gave up on the stream: nothing follows.
                _events.Writer.TryWrite(serverEvent);
                _events.Writer.TryComplete();
                break;
        }
    }

    public void Finish(ReplyFinished reply, TokenStreamEntry end)
    {
        Result = (reply, end);
        _events.Writer.TryComplete();
    }

    public IAsyncEnumerable<ServerEvent> ReadAllAsync(CancellationToken cancellationToken) => _events.Reader.ReadAllAsync(cancellationToken);
}
