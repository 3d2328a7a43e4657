using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// A turn's writes as one unit: the user's message (or, for "regenerate", the question answered again), its answer's
/// job and the job's prompt commit together. Once accepted, nothing may lose the message, and the job can be queued
/// again from its row alone if publishing it fails. The prompt ends with the new message, so it is planned from the
/// stored history and that message before either is written; then everything goes to PostgreSQL in one batch.
/// A message costs three round trips: the open jobs, lock and history together; the writes; the commit.
/// </summary>
public sealed class TurnAcceptor(
    ChatUnitOfWork unit,
    ConversationStore conversations,
    JobStore jobs,
    PromptBuilder prompts,
    TimeProvider clock)
{
    /// <summary>
    /// A user with <paramref name="maxOpenJobs"/> jobs waiting or being answered gets no new one. With
    /// <paramref name="afterLastAnswer"/>, a conversation whose last message is still queued or being answered takes no
    /// new one either: the result names that answer's job instead. How many of the user's jobs wait in the queue lowers
    /// the new one's queue priority.
    /// </summary>
    public Task<TurnAcceptance> AcceptUserMessageAsync(
        string userId, Conversation conversation, string text, JobPriority priority, int maxOpenJobs, bool afterLastAnswer,
        CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            var (open, locked, earlier) = await conversations.OpenTurnAsync(userId, conversation.Id, PromptBuilder.UnsummarizedScanLimit, token);
            if (open.Open >= maxOpenJobs)
            {
                return TurnAcceptance.AtOpenJobLimit;
            }
            if (afterLastAnswer && await jobs.UnfinishedJobAsync(conversation.Id, token) is { } unanswered)
            {
                return new TurnAcceptance(null, unanswered);
            }
            var now = clock.GetUtcNow();
            var (message, title) = conversations.AddUserMessage(locked, earlier, text, now);
            return new TurnAcceptance(await AddAnswerJobAsync(locked, message, [.. earlier, message], priority, open.Waiting, title, now, token), null);
        }, cancellationToken);

    /// <summary>"Regenerate": the last user message gets a new job in place of its answers. Null when there is none yet.</summary>
    public Task<AcceptedMessage?> AcceptRegenerationAsync(Conversation conversation, JobPriority priority, int waiting, CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            var locked = await conversations.LockForTurnAsync(conversation.Id, token);
            if (await conversations.ReopenLastQuestionAsync(conversation.Id, token) is not { } question)
            {
                return null;
            }
            var history = await conversations.UnsummarizedMessagesAsync(locked, PromptBuilder.UnsummarizedScanLimit, token);
            return await AddAnswerJobAsync(locked, question, history, priority, waiting, null, clock.GetUtcNow(), token);
        }, cancellationToken);

    private async Task<AcceptedMessage> AddAnswerJobAsync(
        Conversation locked, Message question, IReadOnlyList<Message> history, JobPriority priority, int waiting, string? newTitle,
        DateTimeOffset now, CancellationToken token)
    {
        var plan = prompts.Plan(locked, history);
        var generation = conversations.AddAnswerJob(locked, question.Id, priority, waiting, plan, newTitle, now);
        await conversations.SaveTurnAsync(token);
        return new AcceptedMessage(question, generation, newTitle, plan.Prompt);
    }
}

public sealed record AcceptedMessage(Message Message, Generation Generation, string? NewTitle, IReadOnlyList<ChatTurn> Prompt);

/// <summary>
/// The stored message; or (when it had to wait for the last answer) the job of the answer still in progress; or
/// neither, when the user has as many jobs open as allowed.
/// </summary>
public sealed record TurnAcceptance(AcceptedMessage? Accepted, Guid? AnswerInProgress)
{
    public static readonly TurnAcceptance AtOpenJobLimit = new(null, null);
}
