using TaskFlow.ChatSocket.Queue;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Generations;

/// <summary>
/// Relays one generation's Redis stream to the socket. It remembers exactly what the client has been shown, which
/// is what an interruption stores and quotes back. Once stopped, it sends nothing more: that is the generation
/// guard that keeps a late token of an old answer from reaching the socket after the next answer starts.
/// A client resuming after entry N gets nothing that entries up to N produced (no progress from 0 again, no repeated
/// status), only what follows; the entries before are still read, to know the answer and the progress it saw.
/// </summary>
public sealed class GenerationRelay
{
    private readonly IEventSink _sender;
    private readonly TokenStreamReader _streams;
    private readonly QueuePositions _positions;
    private readonly ProgressEstimate _progress = new();
    private readonly PacingOptions _pacing;
    private readonly Func<GenerationRelay, TokenStreamEntry, Task> _onEnd;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly StreamedAnswer _shown = new();
    private readonly long _afterSequence;
    private Task _completion = Task.CompletedTask;

    internal GenerationRelay(
        Guid generationId,
        long afterSequence,
        IEventSink sender,
        TokenStreamReader streams,
        QueuePositions positions,
        PacingOptions pacing,
        Func<GenerationRelay, TokenStreamEntry, Task> onEnd,
        ILogger logger,
        CancellationToken sessionToken)
    {
        GenerationId = generationId;
        _afterSequence = afterSequence;
        _sender = sender;
        _streams = streams;
        _positions = positions;
        _pacing = pacing;
        _onEnd = onEnd;
        _logger = logger;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
    }

    public Guid GenerationId { get; }

    /// <summary>A worker has begun this answer.</summary>
    public bool Started { get; private set; }

    /// <summary>The answer as the client has seen it so far.</summary>
    public string ShownContent => _shown.Content;

    public int ShownTokens => _shown.Tokens;

    public bool IsRunning => !_completion.IsCompleted;

    /// <summary>The worker's end entry arrived and was handed to the end handler: the answer finished by itself.</summary>
    public bool Ended { get; private set; }

    public void Start() => _completion = RelayAsync(_stop.Token);

    /// <summary>Stops relaying and waits until nothing more can be sent for this generation.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _completion;
    }

    private async Task RelayAsync(CancellationToken token)
    {
        _sender.At(_afterSequence);
        var waiting = _positions.Watch(GenerationId, ahead => _sender.Send(new QueuePosition(GenerationId, ahead + 1, ahead)));
        SendProgress(0, "waiting", isNew: _afterSequence == 0);
        try
        {
            await foreach (var entry in _streams.ReadAsync(GenerationId, token))
            {
                var isNew = entry.Sequence > _afterSequence;
                if (isNew)
                {
                    _sender.At(entry.Sequence);
                }
                switch (entry.Kind)
                {
                    case TokenStreamKeys.Kinds.Start:
                        // A restarted job begins its answer again; what was shown before is void.
                        Started = true;
                        waiting.Dispose();
                        SendProgress(10, "processing", isNew);
                        _shown.Apply(entry);
                        if (isNew)
                        {
                            _sender.Send(new AiStart(GenerationId, entry.IsRestart, AiStart.Answer));
                        }
                        break;
                    case TokenStreamKeys.Kinds.Token:
                        if (isNew)
                        {
                            if (_pacing.Enabled)
                            {
                                await Task.Delay(_pacing.DelayFor(entry.Text, Random.Shared), token);
                            }
                            token.ThrowIfCancellationRequested();
                            _sender.Send(new AiToken(GenerationId, entry.Sequence, entry.Text));
                        }
                        _shown.Apply(entry);
                        SendProgress(ProgressEstimate.ForTokens(ShownTokens), "processing", isNew);
                        break;
                    case TokenStreamKeys.Kinds.Retry when isNew:
                        _sender.Send(new JobStatus(GenerationId, "retrying", entry.Attempt, entry.DelayMs, entry.ErrorCode));
                        break;
                    case TokenStreamKeys.Kinds.Throttled when isNew:
                        _sender.Send(new JobStatus(GenerationId, "throttled", null, entry.DelayMs, null));
                        break;
                    case TokenStreamKeys.Kinds.End:
                        token.ThrowIfCancellationRequested();
                        waiting.Dispose();
                        if (entry.Status == GenerationStatus.Completed)
                        {
                            SendProgress(100, "completed", isNew);
                        }
                        Ended = true;
                        await _onEnd(this, entry);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped by the session (interruption, cancel, or the socket closed): the worker's result is stored anyway.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Relaying generation {GenerationId} failed", GenerationId);
            _sender.Send(new AiError(GenerationId, ErrorCodes.StreamFailed, "The live answer was interrupted. Reload the page to see it when it is finished."));
        }
        finally
        {
            waiting.Dispose();
        }
    }

    /// <summary>Progress as the client saw it: an entry it already had moves the estimate without sending it again.</summary>
    private void SendProgress(int percent, string stage, bool isNew)
    {
        if (_progress.Next(percent) is { } next && isNew)
        {
            _sender.Send(new Progress(GenerationId, next, stage));
        }
    }

    /// <summary>The result as this relay knows it, for storing when the session ends the answer itself.</summary>
    public ReplyFinished ToReply(Guid conversationId, string model, string status, DateTimeOffset now) =>
        new(GenerationId, conversationId, model, status, ShownContent, ShownTokens, null, ShownTokens, null, null, now, _shown.StartedAt);

    /// <summary>The result as the worker ended it (status, usage, error) with the answer this relay saw.</summary>
    public ReplyFinished ToReply(Guid conversationId, string model, TokenStreamEntry end, DateTimeOffset now) =>
        new(GenerationId, conversationId, model, end.Status, ShownContent, ShownTokens,
            (int?)end.InputTokens, (int?)end.OutputTokens, end.ErrorCode, end.ErrorMessage, now, _shown.StartedAt);
}
