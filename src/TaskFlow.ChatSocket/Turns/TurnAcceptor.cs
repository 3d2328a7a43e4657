using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// A turn's writes as one unit: the user's message (or, for "regenerate", the question answered again), its answer's
/// job and the job's prompt commit together. Once accepted, nothing may lose the message, and the job can be queued
/// again from its row alone if publishing it fails. The prompt ends with the new message, so it is planned from the
/// stored history and that message before either is written; then everything goes to PostgreSQL in one batch.
/// A turn costs four round trips: lock, history, batch, commit.
/// </summary>
public sealed class TurnAcceptor(
    ChatUnitOfWork unit,
    ConversationStore conversations,
    JobStore jobs,
    PromptBuilder prompts,
    TimeProvider clock)
{
    /// <summary>
    /// With <paramref name="afterLastAnswer"/>, a conversation whose last message is still queued or being answered
    /// takes no new one: the result names that answer's job instead. <paramref name="waiting"/> is how many of the
    /// user's jobs wait in the queue, which lowers the new one's queue priority.
    /// </summary>
    public Task<TurnAcceptance> AcceptUserMessageAsync(
        Conversation conversation, string text, JobPriority priority, int waiting, bool afterLastAnswer, CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            var locked = await conversations.LockForTurnAsync(conversation.Id, token);
            if (afterLastAnswer && await jobs.UnfinishedJobAsync(conversation.Id, token) is { } unanswered)
            {
                return new TurnAcceptance(null, unanswered);
            }
            var now = clock.GetUtcNow();
            var earlier = await conversations.UnsummarizedMessagesAsync(locked, PromptBuilder.UnsummarizedScanLimit, token);
            var (message, title) = conversations.AddUserMessage(locked, earlier, text, now);
            return new TurnAcceptance(await AddAnswerJobAsync(locked, message, [.. earlier, message], priority, waiting, title, now, token), null);
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

/// <summary>The stored message, or (when it had to wait for the last answer) the job of the answer still in progress.</summary>
public sealed record TurnAcceptance(AcceptedMessage? Accepted, Guid? AnswerInProgress);
