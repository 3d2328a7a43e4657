using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Conversations and their messages: accepting a turn (the message and its answer's job, in one transaction), the
/// prompt material, the running summary. The jobs' lifecycle after that is <see cref="JobStore"/>'s. Every lookup is scoped to the user, so no path can reach another
/// user's conversation: a foreign id behaves exactly like an unknown one.
/// </summary>
public sealed class ConversationStore(ChatDbContext db, TimeProvider clock)
{
    public Task<Conversation?> FindAsync(Guid conversationId, string userId, CancellationToken cancellationToken) =>
        db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);

    public async Task<Conversation> CreateAsync(string userId, string model, string provider, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var conversation = new Conversation
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Model = model,
            Provider = provider,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(conversation).State = EntityState.Detached;
        return conversation;
    }

    /// <summary>
    /// Stores the user's message, its job and the job's prompt in one transaction: once this returns, the message is
    /// acknowledged and nothing may lose it, and the job can be queued again from the row alone if publishing it fails.
    /// Sets the title from the first message. <paramref name="buildPrompt"/> runs inside the transaction, after the
    /// message is written, since the prompt ends with it. With <paramref name="afterLastAnswer"/>, a conversation whose
    /// last message is still queued or being answered takes no new one: the result names that answer's job instead.
    /// </summary>
    public Task<TurnAcceptance> AcceptUserMessageAsync(
        Conversation conversation,
        string text,
        JobPriority priority,
        bool afterLastAnswer,
        Func<CancellationToken, Task<IReadOnlyList<ChatTurn>>> buildPrompt,
        CancellationToken cancellationToken) =>
        // The retrying execution strategy replays the whole unit after a transient failure (a restarted database).
        db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            // One message at a time per conversation: a second one waits here until the first is stored with its job,
            // so it sees that job (and the title is set once).
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM chat.conversations WHERE id = {conversation.Id} FOR UPDATE", token);
            if (afterLastAnswer && await db.Generations.AsNoTracking()
                    .Where(g => g.ConversationId == conversation.Id && g.FinishedAt == null)
                    .OrderByDescending(g => g.CreatedAt)
                    .Select(g => (Guid?)g.Id)
                    .FirstOrDefaultAsync(token) is { } unanswered)
            {
                return new TurnAcceptance(null, unanswered);
            }
            var now = clock.GetUtcNow();
            var message = new Message
            {
                Id = Guid.CreateVersion7(now),
                ConversationId = conversation.Id,
                Role = "user",
                Content = text,
                Status = GenerationStatus.Completed,
                CreatedAt = now,
            };
            var isFirst = !await db.Messages.AnyAsync(m => m.ConversationId == conversation.Id && m.Role == "user", token);
            var title = isFirst ? ConversationTitle.From(text) : null;
            db.Messages.Add(message);
            var (generation, prompt) = await AddAnswerJobAsync(conversation, message.Id, priority, title, now, buildPrompt, token);
            await transaction.CommitAsync(token);
            db.ChangeTracker.Clear();
            return new TurnAcceptance(new AcceptedMessage(message, generation, title, prompt), null);
        }, cancellationToken);

    /// <summary>
    /// "Regenerate": the answers after the conversation's last user message are replaced. They are deleted and that
    /// message gets a new job, stored with its prompt in one transaction as a new message would be. Null when the
    /// conversation has no user message yet.
    /// </summary>
    public Task<AcceptedMessage?> AcceptRegenerationAsync(
        Conversation conversation,
        JobPriority priority,
        Func<CancellationToken, Task<IReadOnlyList<ChatTurn>>> buildPrompt,
        CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var question = await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == conversation.Id && m.Role == "user")
                .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
                .FirstOrDefaultAsync(token);
            if (question is null)
            {
                return null;
            }
            await db.Messages
                .Where(m => m.ConversationId == conversation.Id && m.Role == "assistant" && m.CreatedAt >= question.CreatedAt)
                .ExecuteDeleteAsync(token);

            var (generation, prompt) = await AddAnswerJobAsync(conversation, question.Id, priority, null, clock.GetUtcNow(), buildPrompt, token);
            await transaction.CommitAsync(token);
            db.ChangeTracker.Clear();
            return (AcceptedMessage?)new AcceptedMessage(question, generation, null, prompt);
        }, cancellationToken);

    /// <summary>
    /// Adds the job that answers <paramref name="questionId"/>, marks the conversation active (and titles it), and stores
    /// the job's prompt, built once the job is written, since the prompt ends with the question. The caller commits.
    /// </summary>
    private async Task<(Generation Generation, IReadOnlyList<ChatTurn> Prompt)> AddAnswerJobAsync(
        Conversation conversation,
        Guid questionId,
        JobPriority priority,
        string? newTitle,
        DateTimeOffset now,
        Func<CancellationToken, Task<IReadOnlyList<ChatTurn>>> buildPrompt,
        CancellationToken token)
    {
        var waiting = await db.Generations.CountAsync(g => g.UserId == conversation.UserId && g.Status == GenerationStatus.Waiting, token);
        var generation = new Generation
        {
            Id = Guid.CreateVersion7(now),
            ConversationId = conversation.Id,
            UserMessageId = questionId,
            UserId = conversation.UserId,
            Model = conversation.Model,
            Priority = (int)priority,
            QueuePriority = FairPriority.For(priority, waiting),
            Status = GenerationStatus.Waiting,
            CreatedAt = now,
        };
        var tracked = await db.Conversations.FirstAsync(c => c.Id == conversation.Id, token);
        tracked.Title = newTitle ?? tracked.Title;
        tracked.UpdatedAt = now;
        tracked.Status = ConversationStatus.Active;
        db.Generations.Add(generation);
        await db.SaveChangesAsync(token);

        var prompt = await buildPrompt(token);
        generation.PendingPrompt = PendingJob.SerializePrompt(prompt);
        await db.SaveChangesAsync(token);
        return (generation, prompt);
    }

    /// <summary>
    /// The running summary and the messages not yet folded into it (at most <paramref name="count"/>, the newest),
    /// oldest first: everything a prompt can be built from.
    /// </summary>
    public async Task<(SummaryState Summary, IReadOnlyList<Message> Messages)> PromptMaterialAsync(Guid conversationId, int count, CancellationToken cancellationToken)
    {
        var summary = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == conversationId)
            .Select(c => new SummaryState(c.Summary, c.SummarizedThrough, c.SummarizedTokens))
            .FirstAsync(cancellationToken);
        var through = summary.Through ?? DateTimeOffset.MinValue;
        var newestFirst = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.CreatedAt > through)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Take(count)
            .ToListAsync(cancellationToken);
        newestFirst.Reverse();
        return (summary, newestFirst);
    }

    /// <summary>
    /// Stores a folded summary unless someone else folded since <paramref name="previous"/> was read (then theirs
    /// stays, and turns are never folded twice). Returns whether this one was stored.
    /// </summary>
    public async Task<bool> SaveSummaryAsync(Guid conversationId, SummaryState previous, SummaryState next, CancellationToken cancellationToken)
    {
        var previousThrough = previous.Through;
        var updated = await db.Conversations
            .Where(c => c.Id == conversationId && c.SummarizedThrough == previousThrough)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Summary, next.Text)
                .SetProperty(c => c.SummarizedThrough, next.Through)
                .SetProperty(c => c.SummarizedTokens, next.Tokens), cancellationToken);
        return updated > 0;
    }

    /// <summary>The conversation went quiet and was ended; a new message reopens it.</summary>
    public Task MarkCompletedAsync(Guid conversationId) =>
        db.Conversations.Where(c => c.Id == conversationId)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Status, ConversationStatus.Completed), CancellationToken.None);
}

public sealed record AcceptedMessage(Message Message, Generation Generation, string? NewTitle, IReadOnlyList<ChatTurn> Prompt);

/// <summary>The stored message, or (when it had to wait for the last answer) the job of the answer still in progress.</summary>
public sealed record TurnAcceptance(AcceptedMessage? Accepted, Guid? AnswerInProgress);
