using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// The one writer of a job's stored answer. An answer a client follows ends here when it finished by itself (the
/// worker's end entry) or the user stopped it (cancel, or a new message), and is stored before the client is told, so
/// a reload shows what the client saw. Every answer also ends here through the worker's result on the bus
/// (<see cref="WorkerResultsAsync"/>), which stores the ones nobody followed, or whose follower could not reach the
/// database; for the rest the job is closed already and the result changes nothing.
/// </summary>
public sealed partial class AnswerOutcomes(
    IServiceScopeFactory scopes,
    GenerationCanceller canceller,
    QueueBoardWriter board,
    TimeProvider clock,
    ILogger<AnswerOutcomes> logger)
{
    private readonly ShownReplies _shown = new(scopes, logger);

    /// <summary>The answer as the worker ended it, with the text the relay showed.</summary>
    public async Task<ReplyFinished> FinishedAsync(GenerationRelay relay, Guid conversationId, string model, TokenStreamEntry end)
    {
        var reply = relay.ToReply(conversationId, model, end, clock.GetUtcNow());
        await _shown.TrySaveAsync(reply);
        return reply;
    }

    /// <summary>
    /// Ends the running answer for the user: no token of it is sent after this returns, what they saw is stored with
    /// the reason as its status, and the worker (wherever it is, or the queue) is told to stop. Null when there was
    /// nothing left to stop: the answer had finished while the user acted.
    /// </summary>
    public async Task<ReplyFinished?> StopAsync(GenerationRelay relay, Guid conversationId, string model, string reason)
    {
        await relay.StopAsync();
        if (relay.Ended)
        {
            return null;
        }
        // What the user saw is on its way to the database before the worker hears of the stop, whose own result (with the tokens
        // it made after the stop) must then travel through RabbitMQ and finds the job closed. The stop does not wait
        // for the database: a slow one must not keep the model generating.
        var reply = relay.ToReply(conversationId, model, reason, clock.GetUtcNow());
        var storing = _shown.TrySaveAsync(reply);
        await canceller.CancelAsync(relay.GenerationId, reason);
        if (!relay.Started)
        {
            await board.RemoveAsync(relay.GenerationId);
        }
        await storing;
        return reply;
    }

    /// <summary>
    /// The model failed mid-answer and its retry began differently from what the client already got, which a client that
    /// cannot take back text (the /v1 API, whose jobs belong to no conversation) cannot show: the call is stopped, and the
    /// job is failed, as the client is told, even if the retry had already finished.
    /// </summary>
    public async Task<string> AbandonDivergedRetryAsync(GenerationRelay relay)
    {
        const string message = "The model failed mid-answer and its retry answered differently from the text already sent; send the request again.";
        await relay.StopAsync();
        await canceller.CancelAsync(relay.GenerationId, GenerationControl.ReasonCancelled);
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<JobStore>().FailAsToldAsync(relay.GenerationId, ErrorCodes.RetryDiverged, message, CancellationToken.None);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException)
        {
            logger.LogWarning("Recording that generation {GenerationId} failed for its client failed: {Message}", relay.GenerationId, ex.Message);
        }
        return message;
    }

    /// <summary>
    /// The workers' results: the jobs are off the queue board (even one no worker started, skipped as cancelled), and
    /// their answers are stored unless they were already. Throws while the database is away, so the bus delivers them
    /// again.
    /// </summary>
    public async Task WorkerResultsAsync(IReadOnlyCollection<ReplyFinished> replies, CancellationToken cancellationToken)
    {
        await board.RemoveAsync(replies.Select(r => r.GenerationId).ToArray());
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<JobStore>().SaveReplyAsync(replies, cancellationToken);
    }

    /// <summary>A suggested question is a job of its own, not part of the conversation: it closes like any job.</summary>
    public async Task QuestionFinishedAsync(GenerationRelay relay, string model, TokenStreamEntry end)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<JobStore>()
            .SaveReplyAsync(relay.ToReply(Guid.Empty, model, end, clock.GetUtcNow()), CancellationToken.None);
    }

    /// <summary>Idle long enough: the conversation is marked completed; a new message reopens it.</summary>
    public async Task EndIdleConversationAsync(Guid conversationId)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ConversationStore>().MarkCompletedAsync(conversationId);
        logger.LogInformation("Conversation {ConversationId} ended after inactivity", conversationId);
    }
}
