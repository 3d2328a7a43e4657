using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Contracts.Text;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// One user message becoming a queued job, the same way for the socket and the HTTP API: validate, start the
/// conversation if needed, store the message, its job and its prompt together, queue the job.
/// </summary>
public sealed class TurnSubmitter(
    JobStore jobs,
    TurnAcceptor acceptor,
    ModelCatalogReader catalog,
    JobDispatcher dispatcher,
    QueuedJobRecorder queued,
    IOptions<ChatOptions> options,
    TimeProvider clock,
    ILogger<TurnSubmitter> logger)
{
    public static readonly SubmitError InvalidPriority = new(ErrorCodes.InvalidMessage, "\"priority\" must be high, medium or low.");

    private static readonly SubmitError NothingToRegenerate = new(ErrorCodes.InvalidMessage, "There is no answer to regenerate yet: send a message first.");

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
        if (StorableText.Describe(trimmed) is { } unstorable)
        {
            return new(ErrorCodes.InvalidMessage, unstorable);
        }
        return JobPriorities.TryParse(priorityName, out priority)
            ? null
            : InvalidPriority;
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

    /// <summary>
    /// Queues a job outside any conversation with a prompt given as is. Its requester waits for it there and then, so a
    /// job RabbitMQ cannot take now fails at once instead of running later for nobody.
    /// </summary>
    public async Task<DetachedJob> SubmitDetachedAsync(
        string userId, string model, JobPriority priority, JobKind kind, IReadOnlyList<ChatTurn> prompt, CancellationToken cancellationToken,
        GenerationOptions? options = null)
    {
        Generation generation;
        try
        {
            var (tooMany, waiting) = await CheckOpenJobsAsync(userId, cancellationToken);
            if (tooMany is not null)
            {
                return new DetachedJob(null, tooMany);
            }
            generation = await jobs.AcceptDetachedJobAsync(userId, model, priority, kind, prompt, waiting, cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or RetryLimitExceededException)
        {
            logger.LogError(ex, "Storing a {Kind} job failed", kind);
            return new DetachedJob(null, new(ErrorCodes.StorageUnavailable, "The database is unreachable. Try again in a moment."));
        }

        if (!await QueueAsync(generation, prompt, cancellationToken, options))
        {
            await jobs.FailUnqueuedAsync(generation.Id, ErrorCodes.QueueUnavailable, "The job queue is unreachable.", CancellationToken.None);
            return new DetachedJob(null, new(ErrorCodes.QueueUnavailable, "The job queue is unreachable. Try again in a moment."));
        }
        return new DetachedJob(generation, null);
    }

    /// <summary>
    /// Stores the message and its job, then queues the job (<see cref="SubmitResult.Queued"/>). When RabbitMQ cannot
    /// take it now, the job stays stored and waiting: the message was accepted, and <see cref="JobRedispatcher"/>
    /// queues it once RabbitMQ is back, so the user never has to send it again.
    /// The socket interrupts the running answer before it submits (see ChatSession), so its conversation is free.
    /// </summary>
    public Task<SubmitResult> SubmitAsync(
        string userId, Conversation? conversation, string? requestedModel, string text, JobPriority priority, CancellationToken cancellationToken) =>
        SubmitAsync(userId, conversation, requestedModel, text, priority, afterLastAnswer: false, cancellationToken);

    /// <summary>
    /// <see cref="SubmitAsync(string, Conversation?, string?, string, JobPriority, CancellationToken)"/> for a client
    /// that cannot interrupt an answer (the HTTP API): a message to a conversation whose last message is not answered
    /// yet is refused with <see cref="ErrorCodes.GenerationInProgress"/>, so the conversation's turns are stored in order.
    /// </summary>
    public Task<SubmitResult> SubmitNextTurnAsync(
        string userId, Conversation? conversation, string? requestedModel, string text, JobPriority priority, CancellationToken cancellationToken) =>
        SubmitAsync(userId, conversation, requestedModel, text, priority, afterLastAnswer: true, cancellationToken);

    private async Task<SubmitResult> SubmitAsync(
        string userId, Conversation? conversation, string? requestedModel, string text, JobPriority priority, bool afterLastAnswer,
        CancellationToken cancellationToken)
    {
        ModelAdvertisement? newModel = null;
        TurnAcceptance acceptance;
        try
        {
            var maxOpenJobs = options.Value.MaxOpenJobsPerUser;
            if (conversation is null)
            {
                var choice = await catalog.ChooseAsync(requestedModel);
                if (choice.Model is not { } model)
                {
                    return SubmitResult.Failed(new(requestedModel is null ? ErrorCodes.NoWorker : ErrorCodes.ModelNotFound, choice.Error!));
                }
                acceptance = await acceptor.AcceptFirstMessageAsync(userId, model, text, priority, maxOpenJobs, cancellationToken);
                newModel = model;
            }
            else
            {
                acceptance = await acceptor.AcceptUserMessageAsync(userId, conversation, text, priority, maxOpenJobs, afterLastAnswer, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is DbException or RetryLimitExceededException)
        {
            logger.LogError(ex, "Storing a message failed");
            return SubmitResult.Failed(new(ErrorCodes.StorageUnavailable,
                "Your message was not saved because the database is unreachable. Send it again in a moment."), conversation);
        }

        return acceptance.Outcome switch
        {
            TurnOutcome.Stored => Queue(acceptance.Accepted!, newModel, cancellationToken),
            TurnOutcome.AnswerInProgress => SubmitResult.Failed(new(ErrorCodes.GenerationInProgress,
                $"This conversation is still answering its last message (job {acceptance.AnswerInProgress}). Wait for that answer " +
                $"(follow /stream/status/{acceptance.AnswerInProgress}), then send this message again."), conversation),
            _ => Refused(acceptance.Outcome),
        };
    }

    /// <summary>Answers the conversation's last message again, replacing the answer it had; queued like a new message.</summary>
    public async Task<SubmitResult> RegenerateAsync(Conversation? conversation, JobPriority priority, CancellationToken cancellationToken)
    {
        if (conversation is null)
        {
            return SubmitResult.Failed(NothingToRegenerate);
        }
        TurnAcceptance acceptance;
        try
        {
            acceptance = await acceptor.AcceptRegenerationAsync(conversation, priority, options.Value.MaxOpenJobsPerUser, cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or RetryLimitExceededException)
        {
            logger.LogError(ex, "Storing a regeneration failed");
            return SubmitResult.Failed(new(ErrorCodes.StorageUnavailable,
                "The answer could not be regenerated because the database is unreachable. Try again in a moment."), conversation);
        }
        return acceptance.Outcome == TurnOutcome.Stored ? Queue(acceptance.Accepted!, null, cancellationToken) : Refused(acceptance.Outcome);
    }

    /// <summary>The stored turn, its job's publish under way.</summary>
    private SubmitResult Queue(AcceptedMessage accepted, ModelAdvertisement? newModel, CancellationToken cancellationToken) =>
        new(accepted.Conversation, newModel, accepted, QueueAsync(accepted.Generation, accepted.Prompt, cancellationToken));

    /// <summary>A turn stored nothing: what the user is told. The conversation stays as it was (or was never made).</summary>
    private SubmitResult Refused(TurnOutcome outcome) => SubmitResult.Failed(outcome switch
    {
        TurnOutcome.AtOpenJobLimit => TooManyJobs(),
        TurnOutcome.ConversationGone => new(ErrorCodes.ConversationNotFound,
            "This conversation was deleted (perhaps in another tab), so the message was not saved. Start a new conversation."),
        TurnOutcome.NothingToAnswer => NothingToRegenerate,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Not a refusal."),
    });

    /// <summary>
    /// One user cannot fill the queue for everyone: beyond <see cref="ChatOptions.MaxOpenJobsPerUser"/> jobs waiting or
    /// running, a new one is refused until one ends (a turn checks inside its transaction, <see cref="TurnAcceptor"/>). Two
    /// detached jobs submitted at the same instant may both pass; a bound, not a lock. Also returns how many of the
    /// user's jobs wait, which sets the new job's fair queue priority.
    /// </summary>
    private async Task<(SubmitError? TooMany, int Waiting)> CheckOpenJobsAsync(string userId, CancellationToken cancellationToken)
    {
        var open = await jobs.CountOpenJobsAsync(userId, cancellationToken);
        return (open.Open < options.Value.MaxOpenJobsPerUser ? null : TooManyJobs(), open.Waiting);
    }

    private SubmitError TooManyJobs() => new(ErrorCodes.TooManyJobs,
        $"You have {options.Value.MaxOpenJobsPerUser} answers waiting or being written already. Wait for one to finish, or stop one, then send again.");

    /// <summary>Publishes a stored job; true once RabbitMQ confirmed it, false when it could not take it now.</summary>
    private async Task<bool> QueueAsync(Generation generation, IReadOnlyList<ChatTurn> prompt, CancellationToken cancellationToken, GenerationOptions? options = null)
    {
        try
        {
            await dispatcher.EnqueueAsync(PendingJob.ToMessage(generation, prompt) with { Options = options }, generation, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Queueing job {GenerationId} failed; it stays stored for the redispatcher: {Message}", generation.Id, ex.Message);
            return false;
        }

        queued.Confirmed(generation.Id, clock.GetUtcNow());
        return true;
    }
}

public sealed record SubmitError(string Code, string Message);

/// <summary>A queued job outside any conversation, or why it could not be queued.</summary>
public sealed record DetachedJob(Generation? Generation, SubmitError? Error);

/// <summary>
/// <see cref="NewConversationModel"/> is set when the conversation was created by this submission. <see cref="Queued"/>
/// is the job's publish, under way when the message is stored (so the user can be told it is, without waiting for
/// RabbitMQ): true once RabbitMQ confirmed the job, false when the job is stored but RabbitMQ could not take it yet.
/// Every caller awaits it.
/// </summary>
public sealed record SubmitResult(
    Conversation? Conversation,
    ModelAdvertisement? NewConversationModel,
    AcceptedMessage? Accepted,
    Task<bool> Queued,
    SubmitError? Error = null)
{
    private static readonly Task<bool> NotQueued = Task.FromResult(false);

    public static SubmitResult Failed(SubmitError error, Conversation? conversation = null, ModelAdvertisement? model = null) =>
        new(conversation, model, null, NotQueued, error);
}
