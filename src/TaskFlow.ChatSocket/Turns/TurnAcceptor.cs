using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>
/// A turn's writes as one unit: the user's message (or, for "regenerate", the question answered again), its answer's
/// job and the job's prompt commit together. Once accepted, nothing may lose the message, and the job can be queued
/// again from its row alone if publishing it fails. The prompt is built inside the unit, after the message is written,
/// since it ends with that message.
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
    /// takes no new one: the result names that answer's job instead.
    /// </summary>
    public Task<TurnAcceptance> AcceptUserMessageAsync(
        Conversation conversation, string text, JobPriority priority, bool afterLastAnswer, CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            await conversations.LockForTurnAsync(conversation.Id, token);
            if (afterLastAnswer && await jobs.UnfinishedJobAsync(conversation.Id, token) is { } unanswered)
            {
                return new TurnAcceptance(null, unanswered);
            }
            var now = clock.GetUtcNow();
            var (message, title) = await conversations.AddUserMessageAsync(conversation, text, now, token);
            return new TurnAcceptance(await AddAnswerJobAsync(conversation, message, priority, title, now, token), null);
        }, cancellationToken);

    /// <summary>"Regenerate": the last user message gets a new job in place of its answers. Null when there is none yet.</summary>
    public Task<AcceptedMessage?> AcceptRegenerationAsync(Conversation conversation, JobPriority priority, CancellationToken cancellationToken) =>
        unit.RunAsync(async token =>
        {
            await conversations.LockForTurnAsync(conversation.Id, token);
            return await conversations.ReopenLastQuestionAsync(conversation.Id, token) is { } question
                ? await AddAnswerJobAsync(conversation, question, priority, null, clock.GetUtcNow(), token)
                : null;
        }, cancellationToken);

    private async Task<AcceptedMessage> AddAnswerJobAsync(
        Conversation conversation, Message question, JobPriority priority, string? newTitle, DateTimeOffset now, CancellationToken token)
    {
        var generation = await conversations.AddAnswerJobAsync(conversation, question.Id, priority, newTitle, now, token);
        var prompt = await prompts.BuildAsync(conversation.Id, token);
        await conversations.SavePromptAsync(generation, prompt, token);
        return new AcceptedMessage(question, generation, newTitle, prompt);
    }
}

public sealed record AcceptedMessage(Message Message, Generation Generation, string? NewTitle, IReadOnlyList<ChatTurn> Prompt);

/// <summary>The stored message, or (when it had to wait for the last answer) the job of the answer still in progress.</summary>
public sealed record TurnAcceptance(AcceptedMessage? Accepted, Guid? AnswerInProgress);
