using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Sockets.Protocol;
using TaskFlow.ChatSocket.Telemetry;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// One browser connection: the socket protocol's adapter. It turns the client's events into calls of the turn use
/// cases and their results into server events; the decisions are theirs. It holds no state another replica would
/// need: conversations and jobs are in PostgreSQL, tokens in Redis, cancels go through Redis, so a client that
/// reconnects anywhere picks up where it was.
/// </summary>
public sealed class ChatSession : IDisposable
{
    private const WebSocketCloseStatus ConversationNotFoundClose = (WebSocketCloseStatus)SocketCloseCodes.ConversationNotFound;

    private readonly WebSocket _socket;
    private readonly SessionRequest _request;
    private readonly IServiceScopeFactory _scopes;
    private readonly GenerationRelays _relays;
    private readonly AnswerOutcomes _outcomes;
    private readonly EngagementOptions _engagement;
    private readonly NudgeTexts _nudges;
    private readonly TimeProvider _clock;
    private readonly ILogger<ChatSession> _logger;
    private readonly InboundEvents _inbound;
    private readonly QuestionSuggestions _questions;
    private readonly EngagementTimers _timers;
    private readonly SocketSender _sender;
    private CancellationToken _sessionToken;
    private Conversation? _conversation;
    private GenerationRelay? _active;

    public ChatSession(
        WebSocket socket,
        SessionRequest request,
        IServiceScopeFactory scopes,
        GenerationRelays relays,
        AnswerOutcomes outcomes,
        IOptions<ChatOptions> options,
        IOptions<EngagementOptions> engagement,
        TimeProvider clock,
        ILogger<ChatSession> logger)
    {
        _socket = socket;
        _request = request;
        _scopes = scopes;
        _relays = relays;
        _outcomes = outcomes;
        _engagement = engagement.Value;
        _nudges = _engagement.TextsFor(request.Language);
        _clock = clock;
        _logger = logger;
        _sender = new SocketSender(socket);
        _inbound = new InboundEvents(socket, _sender, options.Value, clock);
        _questions = new QuestionSuggestions(scopes, relays, outcomes, _sender);
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
                _ = CannedReplies.StreamAsync(_sender, AiStart.Greeting, _nudges.Greeting, _clock, _sessionToken);
            }
            await foreach (var clientEvent in _inbound.ReadAsync(_sessionToken))
            {
                await DispatchAsync(clientEvent);
            }
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

    /// <summary>
    /// This replica is stopping (a rollout, a scale-in): close with 1012, "service restart", after what is queued. The
    /// page reconnects at once, through the gateway to a replica that stays, and resumes after its last token; the
    /// answer itself goes on in the worker. The session ends when the client's close comes back.
    /// </summary>
    public void Drain() => _sender.CloseAfterQueued((WebSocketCloseStatus)SocketCloseCodes.ServiceRestart, "server restarting: reconnect");

    private async Task<bool> ResumeAsync(Guid conversationId)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var resumption = await scope.ServiceProvider.GetRequiredService<ConversationResumer>()
            .ResumeAsync(conversationId, _request.UserId, _request.LastSequence, _sessionToken);
        if (resumption is null)
        {
            _sender.Send(new AiError(null, ErrorCodes.ConversationNotFound,
                "That conversation does not exist or is not yours. Start a new conversation instead."));
            return false;
        }

        _conversation = resumption.Conversation;
        _sender.Send(new ConversationResumed(_conversation.Id, _conversation.Model, _conversation.Title, _conversation.Status));
        if (resumption.Follow is { } generationId)
        {
            StartRelay(generationId, _request.LastSequence);
        }
        else
        {
            _timers.AwaitingUser();
        }
        return true;
    }

    private Task DispatchAsync(ClientEvent clientEvent) => clientEvent.Type switch
    {
        ClientEvent.UserMessage => AcceptUserMessageAsync(clientEvent),
        ClientEvent.GenerateQuestion => SuggestQuestionAsync(clientEvent),
        ClientEvent.Regenerate => RegenerateAsync(clientEvent),
        ClientEvent.Cancel => StopActiveAsync(GenerationControl.ReasonCancelled),
        ClientEvent.UserTyping => Done(_timers.UserTyping),
        // Typing stopped while an answer streams is no reason to nudge: the user is reading.
        ClientEvent.UserStoppedTyping => _active is { IsRunning: true } ? Task.CompletedTask : Done(_timers.UserStoppedTyping),
        _ => Done(() => _sender.Send(new AiError(null, ErrorCodes.UnknownEvent, clientEvent.UnknownTypeError()))),
    };

    private static Task Done(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private async Task AcceptUserMessageAsync(ClientEvent clientEvent)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var submitter = scope.ServiceProvider.GetRequiredService<TurnSubmitter>();
        if (submitter.Validate(clientEvent.Text, clientEvent.Priority, out var text, out var priority) is { } invalid)
        {
            Refuse(invalid);
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
            Refuse(error);
            return;
        }
        await AnnounceAcceptedAsync(result, priority, turn);
    }

    /// <summary>
    /// "Regenerate": the running answer, if any, is stopped, and the last message is answered again in place of the
    /// answer it had. The client drops that answer and shows the new one, which arrives like any other.
    /// </summary>
    private async Task RegenerateAsync(ClientEvent clientEvent)
    {
        if (!TryPriority(clientEvent, out var priority))
        {
            return;
        }
        _timers.Busy();
        using var turn = ChatActivity.StartTurn("chat regenerate", _conversation?.Id);
        await StopActiveAsync(GenerationControl.ReasonCancelled);
        await using var scope = _scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<TurnSubmitter>().RegenerateAsync(_conversation, priority, _sessionToken);
        if (result.Error is { } error)
        {
            Refuse(error);
            return;
        }
        await AnnounceAcceptedAsync(result, priority, turn);
    }

    /// <summary>Stored: the user hears so, and the relay is ready before the worker's first entry while RabbitMQ confirms the job.</summary>
    private async Task AnnounceAcceptedAsync(SubmitResult result, JobPriority priority, System.Diagnostics.Activity? turn)
    {
        var accepted = result.Accepted!;
        turn?.SetTag("taskflow.generation_id", accepted.Generation.Id);
        turn?.SetTag("gen_ai.request.model", _conversation!.Model);
        if (accepted.NewTitle is { } title)
        {
            _sender.Send(new TitleUpdated(_conversation!.Id, title));
        }
        _sender.Send(new MessageAccepted(_conversation!.Id, accepted.Message.Id, accepted.Generation.Id, JobPriorities.Name(priority)));
        StartRelay(accepted.Generation.Id, 0);
        if (!await result.Queued)
        {
            // Stored, not yet queued: the redispatcher queues it when RabbitMQ is back, and the relay shows the answer then.
            _sender.Send(new JobStatus(accepted.Generation.Id, JobStatus.Delayed, null, null, ErrorCodes.QueueUnavailable));
        }
    }

    /// <summary>Runs next to any answer being generated; it neither interrupts it nor is interrupted by it.</summary>
    private async Task SuggestQuestionAsync(ClientEvent clientEvent)
    {
        if (TryPriority(clientEvent, out var priority)
            && await _questions.SuggestAsync(_request.UserId, _conversation, _request.RequestedModel, priority, _sessionToken) is { } refused)
        {
            Refuse(refused);
        }
    }

    private void StartRelay(Guid generationId, long afterSequence)
    {
        _timers.Busy();
        // The relay has shown every token by the end, so what it holds is the whole answer (or, when another tab
        // stopped it, exactly what this client saw).
        _active = _relays.Start(generationId, afterSequence, _sender, paced: true,
            async (relay, end) => Announce(await _outcomes.FinishedAsync(relay, _conversation!.Id, _conversation.Model, end)), _sessionToken);
    }

    private async Task StopActiveAsync(string reason)
    {
        if (_active is { IsRunning: true } relay
            && await _outcomes.StopAsync(relay, _conversation!.Id, _conversation.Model, reason) is { } stopped)
        {
            Announce(stopped);
        }
    }

    private void Announce(ReplyFinished reply)
    {
        foreach (var serverEvent in ReplyEvents.For(reply))
        {
            _sender.Send(serverEvent);
        }
        if (ReplyEvents.EndsTurn(reply))
        {
            _timers.AwaitingUser();
        }
    }

    /// <summary>Phase 1 of idle detection: a short canned check-in, streamed like an answer but not stored.</summary>
    private Task SendIdleNudgeAsync(CancellationToken token) =>
        _conversation is null ? Task.CompletedTask : CannedReplies.StreamAsync(_sender, AiStart.Nudge, _nudges.IdleNudge, _clock, token);

    /// <summary>Phase 2: the conversation is marked completed; a new message reopens it.</summary>
    private async Task EndForIdleAsync()
    {
        if (_conversation is { } conversation)
        {
            await _outcomes.EndIdleConversationAsync(conversation.Id);
            _sender.Send(new ConversationEnded(conversation.Id, ConversationEnded.IdleTimeout));
        }
    }

    private Task SendTypingNudgeAsync() => Done(() => _sender.Send(new TypingNudge(_nudges.TypingNudge)));

    private bool TryPriority(ClientEvent clientEvent, out JobPriority priority)
    {
        if (JobPriorities.TryParse(clientEvent.Priority, out priority))
        {
            return true;
        }
        Refuse(TurnSubmitter.InvalidPriority);
        return false;
    }

    /// <summary>The request was not taken (nothing was stored or queued); the error says what to do instead.</summary>
    private void Refuse(SubmitError error) => _sender.Send(new AiError(null, error.Code, error.Message));

    public void Dispose() => _timers.Dispose();
}
