using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Generations;

/// <summary>Starts the one relay every adapter follows a generation with, wired to the stream, the queue board and pacing.</summary>
public sealed class GenerationRelays(TokenStreamReader streams, QueuePositions positions, IOptions<PacingOptions> pacing, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<GenerationRelay>();

    /// <param name="afterSequence">The last entry the client has; it is sent only what follows.</param>
    /// <param name="paced">Tokens at reading speed (<see cref="PacingOptions"/>), for a person reading along; API clients get them as they come.</param>
    /// <param name="onEnd">Called once with the worker's end entry, after every token was sent.</param>
    public GenerationRelay Start(Guid generationId, long afterSequence, IEventSink sink, bool paced,
        Func<GenerationRelay, TokenStreamEntry, Task> onEnd, CancellationToken cancellationToken)
    {
        var relay = new GenerationRelay(generationId, afterSequence, sink, streams, positions, paced ? pacing.Value : new PacingOptions(), onEnd, _logger, cancellationToken);
        relay.Start();
        return relay;
    }
}
