using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// A turn's writes as one unit: the user's message (or, for "regenerate", the question answered again), its answer's
/// job and the job's prompt commit together. Once accepted, nothing may lose the message, and the job can be queued
/// again from its row alone if publishing it fails. The prompt ends with the new message, so it is planned from the
/// stored history and that message before either is written; then everything goes to PostgreSQL in one batch.
/// A message costs three round trips: the open jobs, lock and history together (only the open jobs for a new
/// conversation); the writes; the commit.
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
            if (await conversations.OpenTurnAsync(userId, conversation.Id, PromptBuilder.UnsummarizedScanLimit, token) is not (var open, var locked, var earlier))
            {
                return TurnAcceptance.ConversationGone;
            }
            if (open.Open >= maxOpenJobs)
            {
                return TurnAcceptance.AtOpenJobLimit;
            }
            if (afterLastAnswer && await jobs.UnfinishedJobAsync(conversation.Id, token) is { } unanswered)
            {
                return TurnAcceptance.WaitingFor(unanswered);
            }
            var now = clock.GetUtcNow();
            var (message, title) = ConversationStore.NewUserMessage(locked, earlier, text, now);
            var turn = new TurnQuestion(locked, NewConversation: false, message, NewQuestion: true);
            return TurnAcceptance.Stored(await AddAnswerJobAsync(turn, [.. earlier, message], priority, open.Waiting, title, now, token));
        }, cancellationToken);

    /// <summary>
    /// The first message of a new conversation with <paramref name="model"/>: the conversation is written with the turn,
    /// so a message refused for the user's open jobs leaves none behind.
    /// </summary>
    public Task<TurnAcceptance> AcceptFirstMessageAsync(
        string userId, ModelAdvertisement model, string text, JobPriority priority, int maxOpenJobs, CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            var open = await jobs.CountOpenJobsAsync(userId, token);
            if (open.Open >= maxOpenJobs)
            {
                return TurnAcceptance.AtOpenJobLimit;
            }
            var now = clock.GetUtcNow();
            var conversation = ConversationStore.NewConversation(userId, model.Id, model.Provider, now);
            var (message, title) = ConversationStore.NewUserMessage(conversation, [], text, now);
            var turn = new TurnQuestion(conversation, NewConversation: true, message, NewQuestion: true);
            return TurnAcceptance.Stored(await AddAnswerJobAsync(turn, [message], priority, open.Waiting, title, now, token));
        }, cancellationToken);

    /// <summary>"Regenerate": the last user message gets a new job in place of its answers, within the same limit.</summary>
    public Task<TurnAcceptance> AcceptRegenerationAsync(Conversation conversation, JobPriority priority, int maxOpenJobs, CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            // The history is read after the answers it replaces are deleted.
            if (await conversations.OpenTurnAsync(conversation.UserId, conversation.Id, historyLimit: 0, token) is not (var open, var locked, _))
            {
                return TurnAcceptance.ConversationGone;
            }
            if (open.Open >= maxOpenJobs)
            {
                return TurnAcceptance.AtOpenJobLimit;
            }
            if (await conversations.ReopenLastQuestionAsync(conversation.Id, token) is not { } question)
            {
                return TurnAcceptance.NothingToAnswer;
            }
            var history = await conversations.UnsummarizedMessagesAsync(conversation.Id, PromptBuilder.UnsummarizedScanLimit, token);
            var turn = new TurnQuestion(locked, NewConversation: false, question, NewQuestion: false);
            return TurnAcceptance.Stored(await AddAnswerJobAsync(turn, history, priority, open.Waiting, null, clock.GetUtcNow(), token));
        }, cancellationToken);

    private async Task<AcceptedMessage> AddAnswerJobAsync(
        TurnQuestion turn, IReadOnlyList<Message> history, JobPriority priority, int waiting, string? newTitle, DateTimeOffset now,
        CancellationToken token)
    {
        var plan = prompts.Plan(turn.Conversation, history);
        var rows = ConversationStore.AnswerJob(turn, priority, waiting, plan, newTitle, now);
        await conversations.SaveTurnAsync(rows, token);
        return new AcceptedMessage(turn.Conversation, turn.Question, rows.Job, newTitle, plan.Prompt);
    }
}

/// <summary>A stored turn: its conversation as the turn left it (new, when the turn started it), its question and its job.</summary>
public sealed record AcceptedMessage(Conversation Conversation, Message Message, Generation Generation, string? NewTitle, IReadOnlyList<ChatTurn> Prompt);

public enum TurnOutcome
{
    Stored,
    /// <summary>The user has as many jobs open as allowed: nothing was stored.</summary>
    AtOpenJobLimit,
    /// <summary>The conversation's last message is still queued or answered (<see cref="TurnAcceptance.AnswerInProgress"/>).</summary>
    AnswerInProgress,
    /// <summary>The conversation is not the user's any more (deleted meanwhile, in another tab).</summary>
    ConversationGone,
    /// <summary>"Regenerate" in a conversation with no user message yet.</summary>
    NothingToAnswer,
}

/// <summary>What became of a turn; <see cref="Accepted"/> when stored, <see cref="AnswerInProgress"/> when it waits for that job.</summary>
public sealed record TurnAcceptance(TurnOutcome Outcome, AcceptedMessage? Accepted = null, Guid? AnswerInProgress = null)
{
    public static readonly TurnAcceptance AtOpenJobLimit = new(TurnOutcome.AtOpenJobLimit);
    public static readonly TurnAcceptance ConversationGone = new(TurnOutcome.ConversationGone);
    public static readonly TurnAcceptance NothingToAnswer = new(TurnOutcome.NothingToAnswer);

    public static TurnAcceptance Stored(AcceptedMessage accepted) => new(TurnOutcome.Stored, accepted);

    public static TurnAcceptance WaitingFor(Guid answer) => new(TurnOutcome.AnswerInProgress, AnswerInProgress: answer);
}
