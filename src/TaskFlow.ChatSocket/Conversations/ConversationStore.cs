using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Conversations and their messages: a turn's message and its answer's job (made one unit by
/// <see cref="ChatUnitOfWork"/>), the prompt material, the running summary. The jobs' lifecycle after that is
/// <see cref="JobStore"/>'s. Every lookup is scoped to the user, so no path can reach another
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
    /// Holds the conversation for one turn until the caller's transaction ends: a second message waits here until the
    /// first is stored with its job, so it sees that job (and the title is set once).
    /// </summary>
    public Task LockForTurnAsync(Guid conversationId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM chat.conversations WHERE id = {conversationId} FOR UPDATE", cancellationToken);

    /// <summary>Stores the user's message; the first one also gives the conversation its title, returned when set.</summary>
    public async Task<(Message Message, string? NewTitle)> AddUserMessageAsync(
        Conversation conversation, string text, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var message = new Message
        {
            Id = Guid.CreateVersion7(now),
            ConversationId = conversation.Id,
            Role = "user",
            Content = text,
            Status = GenerationStatus.Completed,
            CreatedAt = now,
        };
        var isFirst = !await db.Messages.AnyAsync(m => m.ConversationId == conversation.Id && m.Role == "user", cancellationToken);
        db.Messages.Add(message);
        await db.SaveChangesAsync(cancellationToken);
        return (message, isFirst ? ConversationTitle.From(text) : null);
    }

    /// <summary>
    /// "Regenerate": the conversation's last user message, with the answers after it deleted, to be answered again.
    /// Null when the conversation has no user message yet.
    /// </summary>
    public async Task<Message?> ReopenLastQuestionAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var question = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Role == "user")
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .FirstOrDefaultAsync(cancellationToken);
        if (question is not null)
        {
            await db.Messages
                .Where(m => m.ConversationId == conversationId && m.Role == "assistant" && m.CreatedAt >= question.CreatedAt)
                .ExecuteDeleteAsync(cancellationToken);
        }
        return question;
    }

    /// <summary>
    /// Adds the job that answers <paramref name="questionId"/> (its prompt comes with <see cref="SavePromptAsync"/>) and
    /// marks the conversation active, with <paramref name="newTitle"/> when given.
    /// </summary>
    public async Task<Generation> AddAnswerJobAsync(
        Conversation conversation, Guid questionId, JobPriority priority, string? newTitle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var waiting = await db.Generations.CountAsync(g => g.UserId == conversation.UserId && g.Status == GenerationStatus.Waiting, cancellationToken);
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
        var tracked = await db.Conversations.FirstAsync(c => c.Id == conversation.Id, cancellationToken);
        tracked.Title = newTitle ?? tracked.Title;
        tracked.UpdatedAt = now;
        tracked.Status = ConversationStatus.Active;
        db.Generations.Add(generation);
        await db.SaveChangesAsync(cancellationToken);
        return generation;
    }

    /// <summary>Stores the prompt with its job, so the job can be queued again from the row alone.</summary>
    public async Task SavePromptAsync(Generation generation, IReadOnlyList<ChatTurn> prompt, CancellationToken cancellationToken)
    {
        generation.PendingPrompt = PendingJob.SerializePrompt(prompt);
        await db.Generations.Where(g => g.Id == generation.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(g => g.PendingPrompt, generation.PendingPrompt), cancellationToken);
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
