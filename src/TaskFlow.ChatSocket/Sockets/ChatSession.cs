using System.Data.Common;
using System.Net.WebSockets;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.Sockets.Protocol;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// One browser connection. It holds no state another replica would need: conversations and jobs are in
/// PostgreSQL, tokens in Redis, so a client that reconnects anywhere picks up where it was.
/// </summary>
public sealed class ChatSession(
    WebSocket socket,
    SessionRequest request,
    IServiceScopeFactory scopes,
    ModelCatalogReader catalog,
    TokenStreamReader streams,
    IBus bus,
    IOptions<ChatOptions> options,
    TimeProvider clock,
    ILogger<ChatSession> logger)
{
    private const WebSocketCloseStatus ConversationNotFoundClose = (WebSocketCloseStatus)4404;

    private readonly ChatOptions _options = options.Value;
    private readonly FloodGuard _flood = new(options.Value.FloodLimit, options.Value.FloodWindow, clock);
    private SocketSender _sender = null!;
    private Conversation? _conversation;
    private ActiveGeneration? _active;

    public async Task RunAsync(CancellationToken aborted)
    {
        await using var sender = new SocketSender(socket);
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _sender = sender;
        sender.Start(lifetime.Token);
        try
        {
            if (request.ConversationId is { } conversationId && !await ResumeAsync(conversationId, lifetime.Token))
            {
                await sender.DisposeAsync();
                await socket.CloseAsync(ConversationNotFoundClose, "conversation not found", CancellationToken.None);
                return;
            }
            await ReceiveLoopAsync(lifetime.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            logger.LogDebug("Chat socket for {UserId} ended: {Message}", request.UserId, ex.Message);
        }
        finally
        {
            // The worker keeps generating: the answer is stored by the result consumer and replayed on reconnect.
            await lifetime.CancelAsync();
            if (_active is not null)
            {
                await _active.Forwarding;
            }
        }
    }

    private async Task<bool> ResumeAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ConversationStore>();
        _conversation = await store.FindAsync(conversationId, request.UserId, cancellationToken);
        if (_conversation is null)
        {
            _sender.Send(new AiError(null, ErrorCodes.ConversationNotFound,
                "That conversation does not exist or is not yours. Start a new conversation instead."));
            return false;
        }

        _sender.Send(new ConversationResumed(_conversation.Id, _conversation.Model, _conversation.Title, _conversation.Status));
        if (await store.UnfinishedGenerationAsync(_conversation.Id, cancellationToken) is { } inFlight)
        {
            StartForwarding(inFlight, request.LastSequence, cancellationToken);
        }
        return true;
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[_options.MaxFrameBytes];
        while (socket.State == WebSocketState.Open)
        {
            var frame = await FrameReader.ReadAsync(socket, buffer, cancellationToken);
            switch (frame.Kind)
            {
                case FrameKind.Close:
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
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
            await DispatchAsync(clientEvent!, cancellationToken);
        }
    }

    private Task DispatchAsync(ClientEvent clientEvent, CancellationToken cancellationToken)
    {
        switch (clientEvent.Type)
        {
            case ClientEvent.UserMessage:
                return AcceptUserMessageAsync(clientEvent, cancellationToken);
            case ClientEvent.UserTyping or ClientEvent.UserStoppedTyping or ClientEvent.Cancel:
                // Typing state and cancellation arrive with the conversation features; accepted quietly until then.
                return Task.CompletedTask;
            default:
                _sender.Send(new AiError(null, ErrorCodes.UnknownEvent,
                    $"Unknown event type '{Truncate(clientEvent.Type, 40)}'. Known: user_message, cancel, user_typing, user_stopped_typing."));
                return Task.CompletedTask;
        }
    }

    private async Task AcceptUserMessageAsync(ClientEvent clientEvent, CancellationToken cancellationToken)
    {
        var text = clientEvent.Text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            _sender.Send(new AiError(null, ErrorCodes.InvalidMessage, "user_message needs a non-empty \"text\"."));
            return;
        }
        if (text.Length > _options.MaxMessageChars)
        {
            _sender.Send(new AiError(null, ErrorCodes.MessageTooLarge,
                $"Messages are limited to {_options.MaxMessageChars:N0} characters; yours has {text.Length:N0}. Shorten it and send again."));
            return;
        }
        if (!JobPriorities.TryParse(clientEvent.Priority, out var priority))
        {
            _sender.Send(new AiError(null, ErrorCodes.InvalidMessage, "\"priority\" must be high, medium or low."));
            return;
        }
        if (_active is { Forwarding.IsCompleted: false })
        {
            _sender.Send(new AiError(_active.GenerationId, ErrorCodes.GenerationInProgress,
                "An answer is still being generated. Wait for it to finish before sending the next message."));
            return;
        }

        AcceptedMessage accepted;
        IReadOnlyList<ChatTurn> prompt;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<ConversationStore>();
            if (_conversation is null && !await StartConversationAsync(store, cancellationToken))
            {
                return;
            }
            accepted = await store.AcceptUserMessageAsync(_conversation!, text, priority, cancellationToken);
            prompt = await scope.ServiceProvider.GetRequiredService<PromptBuilder>().BuildAsync(_conversation!.Id, cancellationToken);
        }
        catch (DbException ex)
        {
            logger.LogError(ex, "Storing a message failed");
            _sender.Send(new AiError(null, ErrorCodes.StorageUnavailable,
                "Your message was not saved because the database is unreachable. Send it again in a moment."));
            return;
        }

        var conversation = _conversation!;
        if (accepted.NewTitle is { } title)
        {
            _sender.Send(new TitleUpdated(conversation.Id, title));
        }
        _sender.Send(new MessageAccepted(conversation.Id, accepted.Message.Id, accepted.Generation.Id, JobPriorities.Name(priority)));

        var job = new GenerateReply(accepted.Generation.Id, conversation.Id, accepted.Message.Id, request.UserId,
            conversation.Model, priority, prompt, clock.GetUtcNow());
        try
        {
            await bus.Publish(job, context => context.SetPriority((byte)priority), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Queueing generation {GenerationId} failed", job.GenerationId);
            await FinishAsync(new ReplyFinished(job.GenerationId, conversation.Id, conversation.Model, GenerationStatus.Failed, "", 0, null, null,
                ErrorCodes.QueueUnavailable, "The job queue is unreachable; your message is saved. Send it again in a moment.", clock.GetUtcNow()));
            return;
        }
        StartForwarding(accepted.Generation.Id, 0, cancellationToken);
    }

    private async Task<bool> StartConversationAsync(ConversationStore store, CancellationToken cancellationToken)
    {
        var choice = await catalog.ChooseAsync(request.RequestedModel);
        if (choice.Model is not { } model)
        {
            var code = request.RequestedModel is null ? ErrorCodes.NoWorker : ErrorCodes.ModelNotFound;
            _sender.Send(new AiError(null, code, choice.Error!));
            return false;
        }
        _conversation = await store.CreateAsync(request.UserId, model.Id, model.Provider, cancellationToken);
        _sender.Send(new ConversationCreated(_conversation.Id, model.Id, model.DisplayName, model.IsOffline));
        return true;
    }

    private void StartForwarding(Guid generationId, long afterSequence, CancellationToken cancellationToken) =>
        _active = new ActiveGeneration(generationId, ForwardAsync(generationId, afterSequence, cancellationToken));

    /// <summary>Relays one generation's stream to the socket, skipping what the client already has.</summary>
    private async Task ForwardAsync(Guid generationId, long afterSequence, CancellationToken cancellationToken)
    {
        var content = new StringBuilder();
        var tokens = 0;
        try
        {
            await foreach (var entry in streams.ReadAsync(generationId, cancellationToken))
            {
                var isNew = entry.Sequence > afterSequence;
                switch (entry.Kind)
                {
                    case TokenStreamKeys.Kinds.Start:
                        // A restarted job begins its answer again; what was shown before is void.
                        content.Clear();
                        tokens = 0;
                        if (isNew)
                        {
                            _sender.Send(new AiStart(generationId, entry.Status == "restarted"));
                        }
                        break;
                    case TokenStreamKeys.Kinds.Token:
                        content.Append(entry.Text);
                        tokens++;
                        if (isNew)
                        {
                            _sender.Send(new AiToken(generationId, entry.Sequence, entry.Text));
                        }
                        break;
                    case TokenStreamKeys.Kinds.End:
                        await FinishAsync(new ReplyFinished(generationId, _conversation!.Id, _conversation.Model, entry.Status, content.ToString(), tokens,
                            (int?)entry.InputTokens, (int?)entry.OutputTokens, entry.ErrorCode, entry.ErrorMessage, clock.GetUtcNow()));
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The socket closed; the generation goes on and is stored by the result consumer.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Forwarding generation {GenerationId} failed", generationId);
            _sender.Send(new AiError(generationId, "STREAM_FAILED", "The live answer was interrupted. Reload the page to see it when it is finished."));
        }
    }

    /// <summary>Stores the result (exactly once, shared with the result consumer) before telling the client it is done.</summary>
    private async Task FinishAsync(ReplyFinished reply)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ConversationStore>().SaveReplyAsync(reply, CancellationToken.None);
        }
        catch (DbException ex)
        {
            // The result consumer stores it when the database is back; the client still gets its answer now.
            logger.LogWarning("Storing generation {GenerationId} from the socket failed ({Message}); the result consumer will retry", reply.GenerationId, ex.Message);
        }

        if (reply.Status == GenerationStatus.Failed)
        {
            _sender.Send(new AiError(reply.GenerationId, reply.ErrorCode ?? "UNKNOWN", reply.ErrorMessage ?? "Something went wrong. Please try again."));
            return;
        }
        long? total = reply.InputTokens is { } input && reply.OutputTokens is { } output ? input + output : reply.OutputTokens;
        _sender.Send(new AiDone(reply.GenerationId, reply.Content.Length > 0 ? reply.GenerationId : null, reply.Status, total, reply.InputTokens, reply.OutputTokens));
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";

    private sealed record ActiveGeneration(Guid GenerationId, Task Forwarding);
}
