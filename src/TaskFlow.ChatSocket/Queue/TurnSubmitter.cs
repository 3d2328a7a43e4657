using System.Data.Common;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.Sockets;
using TaskFlow.ChatSocket.Sockets.Protocol;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>
/// One user message becoming a queued job, the same way for the socket and the HTTP API: validate, start the
/// conversation if needed, store message and job together, build the prompt, queue it.
/// </summary>
public sealed class TurnSubmitter(
    ConversationStore store,
    PromptBuilder prompts,
    ModelCatalogReader catalog,
    JobDispatcher dispatcher,
    IOptions<ChatOptions> options,
    TimeProvider clock,
    ILogger<TurnSubmitter> logger)
{
    /// <summary>Checks text and priority; returns the error to show, or null.</summary>
    public SubmitError? Validate(string? text, string? priorityName, out string trimmed, out JobPriority priority)
    {
        trimmed = text?.Trim() ?? "";
        priority = JobPriority.Medium;
        if (trimmed.Length == 0)
        {
            return new(ErrorCodes.InvalidMessage, "The message needs non-empty text.");
        }
        if (trimmed.Length > options.Value.MaxMessageChars)
        {
            return new(ErrorCodes.MessageTooLarge,
                $"Messages are limited to {options.Value.MaxMessageChars:N0} characters; yours has {trimmed.Length:N0}. Shorten it and send again.");
        }
        return JobPriorities.TryParse(priorityName, out priority)
            ? null
            : new(ErrorCodes.InvalidMessage, "\"priority\" must be high, medium or low.");
    }

    /// <summary>
    /// "AI generate question": asks the model, through the same queue, for a question the user could ask, with the
    /// conversation's model and topic when there is one.
    /// </summary>
    public async Task<DetachedJob> SubmitQuestionAsync(
        string userId, Conversation? conversation, string? requestedModel, JobPriority priority, CancellationToken cancellationToken)
    {
        var model = conversation?.Model;
        if (model is null)
        {
            var choice = await catalog.ChooseAsync(requestedModel);
            if (choice.Model is null)
            {
                return new DetachedJob(null, new(requestedModel is null ? ErrorCodes.NoWorker : ErrorCodes.ModelNotFound, choice.Error!));
            }
            model = choice.Model.Id;
        }

        var topic = conversation is null ? "" : $" that continues a conversation titled \"{conversation.Title}\"";
        IReadOnlyList<ChatTurn> prompt =
        [
            new("system", "You suggest questions people can ask an AI assistant. Reply with exactly one question and nothing else."),
            new("user", $"Suggest one interesting, specific question I could ask you{topic}."),
        ];
        return await SubmitDetachedAsync(userId, model, priority, JobKind.Question, prompt, cancellationToken);
    }

    /// <summary>Queues a job outside any conversation with a prompt given as is.</summary>
    public async Task<DetachedJob> SubmitDetachedAsync(
        string userId, string model, JobPriority priority, JobKind kind, IReadOnlyList<ChatTurn> prompt, CancellationToken cancellationToken)
    {
        Generation generation;
        try
        {
            generation = await store.AcceptDetachedJobAsync(userId, model, priority, kind, cancellationToken);
        }
        catch (DbException ex)
        {
            logger.LogError(ex, "Storing a {Kind} job failed", kind);
            return new DetachedJob(null, new(ErrorCodes.StorageUnavailable, "The database is unreachable. Try again in a moment."));
        }

        var job = new GenerateReply(generation.Id, Guid.Empty, Guid.Empty, userId, model, priority, prompt, clock.GetUtcNow(), kind);
        try
        {
            await dispatcher.EnqueueAsync(job, generation, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Queueing {Kind} job {GenerationId} failed", kind, job.GenerationId);
            await store.SaveReplyAsync(new ReplyFinished(job.GenerationId, Guid.Empty, model, GenerationStatus.Failed, "", 0, null, null,
                ErrorCodes.QueueUnavailable, "The job queue is unreachable.", clock.GetUtcNow()), CancellationToken.None);
            return new DetachedJob(null, new(ErrorCodes.QueueUnavailable, "The job queue is unreachable. Try again in a moment."));
        }
        return new DetachedJob(generation, null);
    }

    public async Task<SubmitResult> SubmitAsync(
        string userId, Conversation? conversation, string? requestedModel, string text, JobPriority priority, CancellationToken cancellationToken)
    {
        ModelAdvertisement? newModel = null;
        AcceptedMessage accepted;
        IReadOnlyList<ChatTurn> prompt;
        try
        {
            if (conversation is null)
            {
                var choice = await catalog.ChooseAsync(requestedModel);
                if (choice.Model is not { } model)
                {
                    return SubmitResult.Failed(new(requestedModel is null ? ErrorCodes.NoWorker : ErrorCodes.ModelNotFound, choice.Error!));
                }
                conversation = await store.CreateAsync(userId, model.Id, model.Provider, cancellationToken);
                newModel = model;
            }
            accepted = await store.AcceptUserMessageAsync(conversation, text, priority, cancellationToken);
            prompt = await prompts.BuildAsync(conversation.Id, cancellationToken);
        }
        catch (DbException ex)
        {
            logger.LogError(ex, "Storing a message failed");
            return SubmitResult.Failed(new(ErrorCodes.StorageUnavailable,
                "Your message was not saved because the database is unreachable. Send it again in a moment."), conversation, newModel);
        }

        var job = new GenerateReply(accepted.Generation.Id, conversation.Id, accepted.Message.Id, userId,
            conversation.Model, priority, prompt, clock.GetUtcNow());
        try
        {
            await dispatcher.EnqueueAsync(job, accepted.Generation, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Queueing generation {GenerationId} failed", job.GenerationId);
            var failed = new ReplyFinished(job.GenerationId, conversation.Id, conversation.Model, GenerationStatus.Failed, "", 0, null, null,
                ErrorCodes.QueueUnavailable, "The job queue is unreachable; your message is saved. Send it again in a moment.", clock.GetUtcNow());
            await store.SaveReplyAsync(failed, CancellationToken.None);
            return new SubmitResult(conversation, newModel, accepted, failed);
        }
        return new SubmitResult(conversation, newModel, accepted, null);
    }
}

public sealed record SubmitError(string Code, string Message);

/// <summary>A queued job outside any conversation, or why it could not be queued.</summary>
public sealed record DetachedJob(Generation? Generation, SubmitError? Error);

/// <summary>
/// <see cref="NewConversationModel"/> is set when the conversation was created by this submission;
/// <see cref="QueueFailure"/> when the message was stored but could not be queued.
/// </summary>
public sealed record SubmitResult(
    Conversation? Conversation,
    ModelAdvertisement? NewConversationModel,
    AcceptedMessage? Accepted,
    ReplyFinished? QueueFailure,
    SubmitError? Error = null)
{
    public static SubmitResult Failed(SubmitError error, Conversation? conversation = null, ModelAdvertisement? model = null) =>
        new(conversation, model, null, null, error);
}
