using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
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
    /// first is stored with its job, so it sees that job, and the title and the summary are set once. Returned tracked,
    /// so what the turn changes on it is written with the turn's other rows.
    /// </summary>
    public async Task<Conversation> LockForTurnAsync(Guid conversationId, CancellationToken cancellationToken) =>
        (await db.Conversations.FromSql($"SELECT * FROM chat.conversations WHERE id = {conversationId} FOR UPDATE")
            .ToListAsync(cancellationToken)).Single();

    /// <summary>
    /// The start of a turn, in one round trip inside the caller's transaction: the user's open jobs (as
    /// <see cref="JobStore.CountOpenJobsAsync"/> counts them), the conversation held as <see cref="LockForTurnAsync"/>
    /// holds it and returned tracked, and its messages as <see cref="UnsummarizedMessagesAsync"/> reads them. Each
    /// statement of a batch sees what was committed before it ran, so the history, read after the lock is held,
    /// includes a turn that committed while this one waited for it.
    /// </summary>
    public async Task<TurnStart> OpenTurnAsync(string userId, Guid conversationId, int historyLimit, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection, (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction())
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(OpenJobsSql) { Parameters = { new() { Value = userId }, new() { Value = GenerationStatus.Waiting }, new() { Value = GenerationStatus.Processing } } },
                new NpgsqlBatchCommand(LockSql) { Parameters = { new() { Value = conversationId }, new() { Value = userId } } },
                new NpgsqlBatchCommand(HistorySql) { Parameters = { new() { Value = conversationId }, new() { Value = historyLimit } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var open = await reader.ReadAsync(cancellationToken) ? new OpenJobs(reader.GetInt32(0), reader.GetInt32(1)) : OpenJobs.None;
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Conversation {conversationId} of {userId} is gone.");
        }
        var conversation = ReadConversation(reader);
        await reader.NextResultAsync(cancellationToken);
        var history = new List<Message>();
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(ReadMessage(reader));
        }
        history.Reverse();
        db.Conversations.Attach(conversation);
        return new TurnStart(open, conversation, history);
    }

    private const string OpenJobsSql = """
        SELECT count(*)::int, (count(*) FILTER (WHERE status = $2))::int FROM chat.generations
        WHERE user_id = $1 AND status IN ($2, $3)
        """;

    private const string LockSql = """
        SELECT id, user_id, title, status, model, provider, created_at, updated_at, summary, summarized_through, summarized_tokens
        FROM chat.conversations WHERE id = $1 AND user_id = $2 FOR UPDATE
        """;

    private const string HistorySql = """
        SELECT id, conversation_id, role, content, status, input_tokens, output_tokens, created_at FROM chat.messages
        WHERE conversation_id = $1
          AND created_at > coalesce((SELECT summarized_through FROM chat.conversations WHERE id = $1), '-infinity')
        ORDER BY created_at DESC, id DESC LIMIT $2
        """;

    private static Conversation ReadConversation(DbDataReader row) => new()
    {
        Id = row.GetGuid(0),
        UserId = row.GetString(1),
        Title = row.GetString(2),
        Status = row.GetString(3),
        Model = row.GetString(4),
        Provider = row.GetString(5),
        CreatedAt = row.GetFieldValue<DateTimeOffset>(6),
        UpdatedAt = row.GetFieldValue<DateTimeOffset>(7),
        Summary = row.IsDBNull(8) ? null : row.GetString(8),
        SummarizedThrough = row.IsDBNull(9) ? null : row.GetFieldValue<DateTimeOffset>(9),
        SummarizedTokens = row.GetInt32(10),
    };

    private static Message ReadMessage(DbDataReader row) => new()
    {
        Id = row.GetGuid(0),
        ConversationId = row.GetGuid(1),
        Role = row.GetString(2),
        Content = row.GetString(3),
        Status = row.GetString(4),
        InputTokens = row.IsDBNull(5) ? null : row.GetInt32(5),
        OutputTokens = row.IsDBNull(6) ? null : row.GetInt32(6),
        CreatedAt = row.GetFieldValue<DateTimeOffset>(7),
    };

    /// <summary>
    /// The messages not yet folded into the conversation's summary (at most <paramref name="count"/>, the newest),
    /// oldest first: with the summary, everything a prompt can be built from.
    /// </summary>
    public async Task<List<Message>> UnsummarizedMessagesAsync(Conversation conversation, int count, CancellationToken cancellationToken)
    {
        var through = conversation.SummarizedThrough ?? DateTimeOffset.MinValue;
        var newestFirst = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversation.Id && m.CreatedAt > through)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Take(count)
            .ToListAsync(cancellationToken);
        newestFirst.Reverse();
        return newestFirst;
    }

    /// <summary>
    /// Adds the user's message to the turn (written by <see cref="SaveTurnAsync"/>). The first one gives the conversation
    /// its title, returned when set; <paramref name="earlier"/> (the unsummarized messages) tells whether it is the first.
    /// </summary>
    public (Message Message, string? NewTitle) AddUserMessage(
        Conversation conversation, IReadOnlyList<Message> earlier, string text, DateTimeOffset now)
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
        db.Messages.Add(message);
        var isFirst = conversation.SummarizedThrough is null && !earlier.Any(m => m.Role == "user");
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
    /// Adds the job that answers <paramref name="questionId"/> with its prompt, so the job can be queued again from its
    /// row alone, and marks the conversation active, with <paramref name="newTitle"/> when given and the summary the
    /// prompt was planned with. <paramref name="conversation"/> is the one <see cref="LockForTurnAsync"/> returned.
    /// </summary>
    public Generation AddAnswerJob(
        Conversation conversation, Guid questionId, JobPriority priority, int waiting, ContextPlan plan, string? newTitle, DateTimeOffset now)
    {
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
            PendingPrompt = PendingJob.SerializePrompt(plan.Prompt),
        };
        conversation.Title = newTitle ?? conversation.Title;
        conversation.UpdatedAt = now;
        conversation.Status = ConversationStatus.Active;
        if (plan.SummaryChanged)
        {
            // The conversation is locked for this turn, so no other turn can have folded these messages meanwhile.
            (conversation.Summary, conversation.SummarizedThrough, conversation.SummarizedTokens) = (plan.Summary.Text, plan.Summary.Through, plan.Summary.Tokens);
        }
        db.Generations.Add(generation);
        return generation;
    }

    /// <summary>Writes what the turn added and changed, in one batch.</summary>
    public Task SaveTurnAsync(CancellationToken cancellationToken) => db.SaveChangesAsync(cancellationToken);

    /// <summary>The conversation went quiet and was ended; a new message reopens it.</summary>
    public Task MarkCompletedAsync(Guid conversationId) =>
        db.Conversations.Where(c => c.Id == conversationId)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Status, ConversationStatus.Completed), CancellationToken.None);
}

/// <summary>What a turn starts from: the user's open jobs, the conversation held for the turn, its unsummarized messages oldest first.</summary>
public sealed record TurnStart(OpenJobs OpenJobs, Conversation Conversation, IReadOnlyList<Message> History);
