using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.ChatSocket.Sockets.Protocol;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.ChatSocket.Telemetry;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// One browser connection. It holds no state another replica would need: conversations and jobs are in
/// PostgreSQL, tokens in Redis, cancels go through Redis, so a client that reconnects anywhere picks up where it was.
/// </summary>
public sealed class ChatSession : IDisposable
{
    private const WebSocketCloseStatus ConversationNotFoundClose = (WebSocketCloseStatus)4404;
    private const int PartialPreviewLength = 200;

    private readonly WebSocket _socket;
    private readonly SessionRequest _request;
    private readonly IServiceScopeFactory _scopes;
    private readonly TokenStreamReader _streams;
    private readonly GenerationCanceller _canceller;
    private readonly JobDispatcher _dispatcher;
    private readonly QueuePositions _positions;
    private readonly ChatOptions _options;
    private readonly PacingOptions _pacing;
    private readonly EngagementOptions _engagement;
    private readonly NudgeTexts _nudges;
    private readonly TimeProvider _clock;
    private readonly ILogger<ChatSession> _logger;
    private readonly FloodGuard _flood;
    private readonly EngagementTimers _timers;
    private readonly SocketSender _sender;
    private CancellationToken _sessionToken;
    private Conversation? _conversation;
    private GenerationRelay? _active;

    public ChatSession(
        WebSocket socket,
        SessionRequest request,
        IServiceScopeFactory scopes,
        TokenStreamReader streams,
        GenerationCanceller canceller,
        JobDispatcher dispatcher,
        QueuePositions positions,
        IOptions<ChatOptions> options,
        IOptions<PacingOptions> pacing,
        IOptions<EngagementOptions> engagement,
        TimeProvider clock,
        ILogger<ChatSession> logger)
    {
        _socket = socket;
        _request = request;
        _scopes = scopes;
        _streams = streams;
        _canceller = canceller;
        _dispatcher = dispatcher;
        _positions = positions;
        _options = options.Value;
        _pacing = pacing.Value;
        _engagement = engagement.Value;
        _nudges = _engagement.TextsFor(request.Language);
        _clock = clock;
        _logger = logger;
        _flood = new FloodGuard(_options.FloodLimit, _options.FloodWindow, clock);
        _sender = new SocketSender(socket);
        _timers = new EngagementTimers(_engagement, clock, SendIdleNudgeAsync, EndForIdleAsync, SendTypingNudgeAsync, logger);
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _sessionToken = lifetime.Token;
        _sender.Start(lifetime.Token);
        try
        {
            if (_request.ConversationId is { } conversationId && !await ResumeAsync(conversationId))
            {
                await _sender.DisposeAsync();
                await _socket.CloseAsync(ConversationNotFoundClose, "conversation not found", CancellationToken.None);
                return;
            }
            if (_request.ConversationId is null && _request.Greeting && _engagement.GreetNewConversations && _nudges.Greeting.Length > 0)
            {
                _ = StreamCannedAsync(AiStart.Greeting, _nudges.Greeting, _sessionToken);
            }
            await ReceiveLoopAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _logger.LogDebug("Chat socket for {UserId} ended: {Message}", _request.UserId, ex.Message);
        }
        finally
        {
            // The worker keeps generating: the answer is stored by the result consumer and replayed on reconnect.
            _timers.Busy();
            await lifetime.CancelAsync();
            if (_active is not null)
            {
                await _active.StopAsync();
            }
            await _sender.DisposeAsync();
        }
    }

    private async Task<bool> ResumeAsync(Guid conversationId)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ConversationStore>();
        _conversation = await store.FindAsync(conversationId, _request.UserId, _sessionToken);
        if (_conversation is null)
        {
            _sender.Send(new AiError(null, ErrorCodes.ConversationNotFound,
                "That conversation does not exist or is not yours. Start a new conversation instead."));
            return false;
        }

        _sender.Send(new ConversationResumed(_conversation.Id, _conversation.Model, _conversation.Title, _conversation.Status));
        // A client that was mid-answer (lastSeq > 0) gets the rest even if the answer finished while it was away,
        // as long as the stream is still in Redis; an unfinished answer is relayed in any case.
        var latest = await store.LatestGenerationAsync(_conversation.Id, _sessionToken);
        if (latest is { Finished: false } || (latest is { } ended && _request.LastSequence > 0 && await _streams.ExistsAsync(ended.Id)))
        {
            StartRelay(latest.Value.Id, _request.LastSequence);
        }
        else
        {
            _timers.AwaitingUser();
        }
        return true;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[_options.MaxFrameBytes];
        while (_socket.State == WebSocketState.Open)
        {
            var frame = await FrameReader.ReadAsync(_socket, buffer, _sessionToken);
            switch (frame.Kind)
            {
                case FrameKind.Close:
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                case FrameKind.TooLarge:
                    _sender.Send(new AiError(null, ErrorCodes.MessageTooLarge,
                        $"That message was larger than {_options.MaxFrameBytes / 1024} KB and was discarded. Send a shorter message."));
                    continue;
                case FrameKind.Binary:
                    _sender.Send(new AiError(null, ErrorCodes.UnsupportedFrame, "Binary frames are not supported; send JSON text."));
                    continue;
            }

            if (!_flood.Allow())
            {
                _sender.Send(new AiError(null, ErrorCodes.Flooding, "You are sending messages too fast. Wait a few seconds and try again."));
                continue;
            }
            if (!ClientEvent.TryParse(buffer.AsSpan(0, frame.Length), out var clientEvent, out var error))
            {
                _sender.Send(new AiError(null, ErrorCodes.InvalidMessage, error!));
                continue;
            }
            await DispatchAsync(clientEvent!);
        }
    }

    private Task DispatchAsync(ClientEvent clientEvent)
    {
        switch (clientEvent.Type)
        {
            case ClientEvent.UserMessage:
                return AcceptUserMessageAsync(clientEvent);
            case ClientEvent.GenerateQuestion:
                return SuggestQuestionAsync(clientEvent);
            case ClientEvent.Regenerate:
                return RegenerateAsync(clientEvent);
            case ClientEvent.Cancel:
                return StopActiveAsync(GenerationControl.ReasonCancelled);
            case ClientEvent.UserTyping:
                _timers.UserTyping();
                return Task.CompletedTask;
            case ClientEvent.UserStoppedTyping:
                if (_active is not { IsRunning: true })
                {
                    _timers.UserStoppedTyping();
                }
                return Task.CompletedTask;
            default:
                _sender.Send(new AiError(null, ErrorCodes.UnknownEvent,
                    $"Unknown event type '{Truncate(clientEvent.Type, 40)}'. Known: user_message, cancel, regenerate, user_typing, user_stopped_typing, generate_question."));
                return Task.CompletedTask;
        }
    }

    private async Task AcceptUserMessageAsync(ClientEvent clientEvent)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var submitter = scope.ServiceProvider.GetRequiredService<TurnSubmitter>();
        if (submitter.Validate(clientEvent.Text, clientEvent.Priority, out var text, out var priority) is { } invalid)
        {
            _sender.Send(new AiError(null, invalid.Code, invalid.Message));
            return;
        }

        _timers.Busy();
        // One trace per turn: everything below (storing, queueing, the worker, the model, telemetry) hangs off it.
        using var turn = ChatActivity.StartTurn("chat turn", _conversation?.Id);
        turn?.SetTag("taskflow.priority", JobPriorities.Name(priority));
        // A message during an answer interrupts it: the partial answer is stored first, so the new prompt can quote it.
        await StopActiveAsync(GenerationControl.ReasonInterrupted);

        var result = await submitter.SubmitAsync(_request.UserId, _conversation, _request.RequestedModel, text, priority, _sessionToken);
        _conversation = result.Conversation ?? _conversation;
        if (result.NewConversationModel is { } model)
        {
            _sender.Send(new ConversationCreated(_conversation!.Id, model.Id, model.DisplayName, model.IsOffline));
        }
        if (result.Error is { } error)
        {
            _sender.Send(new AiError(null, error.Code, error.Message));
            return;
        }

        AnnounceAccepted(result, priority, turn);
    }

    /// <summary>
    /// "Regenerate": the running answer, if any, is stopped, and the last message is answered again in place of the
    /// answer it had. The client drops that answer and shows the new one, which arrives like any other.
    /// </summary>
    private async Task RegenerateAsync(ClientEvent clientEvent)
    {
        if (!JobPriorities.TryParse(clientEvent.Priority, out var priority))
        {
            _sender.Send(new AiError(null, TurnSubmitter.InvalidPriority.Code, TurnSubmitter.InvalidPriority.Message));
            return;
        }
        _timers.Busy();
        using var turn = ChatActivity.StartTurn("chat regenerate", _conversation?.Id);
        await StopActiveAsync(GenerationControl.ReasonCancelled);
        await using var scope = _scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<TurnSubmitter>().RegenerateAsync(_conversation, priority, _sessionToken);
        if (result.Error is { } error)
        {
            _sender.Send(new AiError(null, error.Code, error.Message));
            return;
        }
        AnnounceAccepted(result, priority, turn);
    }

    private void AnnounceAccepted(SubmitResult result, JobPriority priority, System.Diagnostics.Activity? turn)
    {
        var accepted = result.Accepted!;
        turn?.SetTag("taskflow.generation_id", accepted.Generation.Id);
        turn?.SetTag("gen_ai.request.model", _conversation!.Model);
        if (accepted.NewTitle is { } title)
        {
            _sender.Send(new TitleUpdated(_conversation!.Id, title));
        }
        _sender.Send(new MessageAccepted(_conversation!.Id, accepted.Message.Id, accepted.Generation.Id, JobPriorities.Name(priority)));
        if (result.QueueDelayed)
        {
            // Stored, not yet queued: the redispatcher queues it when RabbitMQ is back, and the relay below shows the answer then.
            _sender.Send(new JobStatus(accepted.Generation.Id, JobStatus.Delayed, null, null, ErrorCodes.QueueUnavailable));
        }
        StartRelay(accepted.Generation.Id, 0);
    }

    /// <summary>Runs next to any answer being generated; it neither interrupts it nor is interrupted by it.</summary>
    private async Task SuggestQuestionAsync(ClientEvent clientEvent)
    {
        if (!JobPriorities.TryParse(clientEvent.Priority, out var priority))
        {
            _sender.Send(new AiError(null, TurnSubmitter.InvalidPriority.Code, TurnSubmitter.InvalidPriority.Message));
            return;
        }
        await using var scope = _scopes.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<TurnSubmitter>()
            .SubmitQuestionAsync(_request.UserId, _conversation, _request.RequestedModel, priority, _sessionToken);
        if (job.Error is { } error)
        {
            _sender.Send(new AiError(null, error.Code, error.Message));
            return;
        }
        var relay = new GenerationRelay(job.Generation!.Id, 0, new QuestionEventSink(_sender), _streams, _positions, new PacingOptions(),
            async (finished, end) =>
            {
                await using var endScope = _scopes.CreateAsyncScope();
                await endScope.ServiceProvider.GetRequiredService<ConversationStore>()
                    .SaveReplyAsync(finished.ToReply(Guid.Empty, job.Generation.Model, end, _clock.GetUtcNow()), CancellationToken.None);
                if (end.Status == GenerationStatus.Failed)
                {
                    _sender.Send(new AiError(finished.GenerationId, end.ErrorCode ?? "UNKNOWN", end.ErrorMessage ?? "No question could be generated. Try again."));
                }
                else if (end.Status == GenerationStatus.Completed)
                {
                    _sender.Send(new QuestionSuggested(finished.GenerationId, finished.ShownContent.Trim()));
                }
            }, _logger, _sessionToken);
        relay.Start();
    }

    private void StartRelay(Guid generationId, long afterSequence)
    {
        _timers.Busy();
        _active = new GenerationRelay(generationId, afterSequence, _sender, _streams, _positions, _pacing, OnRelayEndedAsync, _logger, _sessionToken);
        _active.Start();
    }

    /// <summary>
    /// Ends the running answer for the user: no token of it is sent after this returns, what they saw is stored
    /// with the reason as its status, and the worker (wherever it is, or the queue) is told to stop.
    /// </summary>
    private async Task StopActiveAsync(string reason)
    {
        if (_active is not { IsRunning: true } relay)
        {
            return;
        }
        await relay.StopAsync();
        if (relay.Ended)
        {
            // It finished while the user acted (ai_done is out, or about to be): nothing left to stop or store.
            return;
        }
        await _canceller.CancelAsync(relay.GenerationId, reason);
        if (!relay.Started)
        {
            await _dispatcher.RemoveFromBoardAsync(relay.GenerationId);
        }
        await StoreAndAnnounceAsync(relay.ToReply(_conversation!.Id, _conversation.Model, reason, _clock.GetUtcNow()));
    }

    private Task OnRelayEndedAsync(GenerationRelay relay, TokenStreamEntry end)
    {
        // The relay has shown every token by now, so what it holds is the whole answer (or, when another tab
        // stopped it, exactly what this client saw).
        return StoreAndAnnounceAsync(relay.ToReply(_conversation!.Id, _conversation.Model, end, _clock.GetUtcNow()));
    }

    /// <summary>Stores the result (exactly once, shared with the result consumer), then tells the client.</summary>
    private async Task StoreAndAnnounceAsync(ReplyFinished reply)
    {
        await using (var scope = _scopes.CreateAsyncScope())
        {
            if (!await scope.ServiceProvider.GetRequiredService<ConversationStore>().TrySaveReplyBeforeShowingAsync(reply))
            {
                // The result consumer stores it when the database is back; the client still gets its answer now.
                _logger.LogWarning("Storing generation {GenerationId} from the socket failed; the result consumer will retry", reply.GenerationId);
            }
        }
        Announce(reply);
    }

    private void Announce(ReplyFinished reply)
    {
        switch (reply.Status)
        {
            case GenerationStatus.Failed:
                _sender.Send(new AiError(reply.GenerationId, reply.ErrorCode ?? "UNKNOWN", reply.ErrorMessage ?? "Something went wrong. Please try again."));
                _timers.AwaitingUser();
                break;
            case GenerationStatus.Interrupted or GenerationStatus.Cancelled:
                var partial = reply.Content.Length <= PartialPreviewLength ? reply.Content : reply.Content[^PartialPreviewLength..];
                _sender.Send(new AiInterrupted(reply.GenerationId, partial, reply.TokenCount, reply.Status));
                if (reply.Status == GenerationStatus.Cancelled)
                {
                    _sender.Send(new AiDone(reply.GenerationId, reply.Content.Length > 0 ? reply.GenerationId : null, GenerationStatus.Cancelled, null, null, reply.TokenCount));
                    _timers.AwaitingUser();
                }
                break;
            default:
                long? total = reply.InputTokens is { } input && reply.OutputTokens is { } output ? input + output : reply.OutputTokens;
                _sender.Send(new AiDone(reply.GenerationId, reply.Content.Length > 0 ? reply.GenerationId : null, reply.Status, total, reply.InputTokens, reply.OutputTokens));
                _timers.AwaitingUser();
                break;
        }
    }

    /// <summary>Phase 1 of idle detection: a short canned check-in, streamed like an answer but not stored.</summary>
    private Task SendIdleNudgeAsync(CancellationToken token) =>
        _conversation is null ? Task.CompletedTask : StreamCannedAsync(AiStart.Nudge, _nudges.IdleNudge, token);

    /// <summary>The server's own words (a nudge, the greeting), streamed like an answer of that kind; never stored.</summary>
    private async Task StreamCannedAsync(string kind, string text, CancellationToken token)
    {
        var id = Guid.CreateVersion7();
        _sender.Send(new AiStart(id, false, kind));
        var sequence = 0L;
        try
        {
            foreach (var word in NudgeWords.Split(text))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), _clock, token);
                _sender.Send(new AiToken(id, ++sequence, word));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        _sender.Send(new AiDone(id, null, GenerationStatus.Completed, null, null, sequence));
    }

    /// <summary>Phase 2: the conversation is marked completed; a new message reopens it.</summary>
    private async Task EndForIdleAsync()
    {
        if (_conversation is not { } conversation)
        {
            return;
        }
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            await db.Conversations.Where(c => c.Id == conversation.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.Status, ConversationStatus.Completed), CancellationToken.None);
        }
        _logger.LogInformation("Conversation {ConversationId} ended after inactivity", conversation.Id);
        _sender.Send(new ConversationEnded(conversation.Id, ConversationEnded.IdleTimeout));
    }

    private Task SendTypingNudgeAsync()
    {
        _sender.Send(new TypingNudge(_nudges.TypingNudge));
        return Task.CompletedTask;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";

    public void Dispose() => _timers.Dispose();
}
