using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
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
public sealed class ConversationStore(ChatDbContext db)
{
    public Task<Conversation?> FindAsync(Guid conversationId, string userId, CancellationToken cancellationToken) =>
        db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);

    /// <summary>
    /// A new conversation, written with its first turn (<see cref="SaveTurnAsync"/>): a message refused before that
    /// leaves no empty conversation behind.
    /// </summary>
    public static Conversation NewConversation(string userId, string model, string provider, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Model = model,
            Provider = provider,
            CreatedAt = now,
            UpdatedAt = now,
        };

    /// <summary>
    /// The start of a turn, in one round trip inside the caller's transaction: the user's open jobs (as
    /// <see cref="JobStore.CountOpenJobsAsync"/> counts them); the conversation, locked until the transaction ends and
    /// tracked, so a second message waits until the first is stored with its job (and sees that job), the title and the
    /// summary are set once, and what the turn changes on it is written with the turn's other rows; and its last
    /// <paramref name="historyLimit"/> messages as <see cref="UnsummarizedMessagesAsync"/> reads them (0 for a turn that
    /// changes them first). Each statement of a batch sees what was committed before it ran, so the history, read after
    /// the lock is held, includes a turn that committed while this one waited for it. Null when the conversation is not
    /// the user's (any more: deleted meanwhile).
    /// </summary>
    public async Task<TurnStart?> OpenTurnAsync(string userId, Guid conversationId, int historyLimit, CancellationToken cancellationToken)
    {
        await using var batch = db.Database.CreateBatch(
            JobStore.OpenJobsCommand(userId), LockCommand(conversationId, userId), HistoryCommand(conversationId, historyLimit));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var open = await JobStore.ReadOpenJobsAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var conversation = await ReadLockedAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var history = await ReadHistoryAsync(reader, cancellationToken);
        return conversation is null ? null : new TurnStart(open, conversation, history);
    }

    /// <summary>
    /// The messages not yet folded into the conversation's summary (at most <paramref name="count"/>, the newest),
    /// oldest first: with the summary, everything a prompt can be built from.
    /// </summary>
    public async Task<List<Message>> UnsummarizedMessagesAsync(Guid conversationId, int count, CancellationToken cancellationToken)
    {
        await using var batch = db.Database.CreateBatch(HistoryCommand(conversationId, count));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadHistoryAsync(reader, cancellationToken);
    }

    private static NpgsqlBatchCommand LockCommand(Guid conversationId, string userId) => new("""
        SELECT id, user_id, title, status, model, provider, created_at, updated_at, summary, summarized_through, summarized_tokens
        FROM chat.conversations WHERE id = $1 AND user_id = $2 FOR UPDATE
        """)
    {
        Parameters = { new() { Value = conversationId }, new() { Value = userId } },
    };

    private static NpgsqlBatchCommand HistoryCommand(Guid conversationId, int count) => new("""
        SELECT id, conversation_id, role, content, status, input_tokens, output_tokens, created_at FROM chat.messages
        WHERE conversation_id = $1
          AND created_at > coalesce((SELECT summarized_through FROM chat.conversations WHERE id = $1), '-infinity')
        ORDER BY created_at DESC, id DESC LIMIT $2
        """)
    {
        Parameters = { new() { Value = conversationId }, new() { Value = count } },
    };

    private static async Task<Conversation?> ReadLockedAsync(DbDataReader row, CancellationToken cancellationToken)
    {
        if (!await row.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new Conversation
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
    }

    /// <summary>Newest first as read (the limit keeps the newest), returned oldest first.</summary>
    private static async Task<List<Message>> ReadHistoryAsync(DbDataReader row, CancellationToken cancellationToken)
    {
        var history = new List<Message>();
        while (await row.ReadAsync(cancellationToken))
        {
            history.Add(new Message
            {
                Id = row.GetGuid(0),
                ConversationId = row.GetGuid(1),
                Role = row.GetString(2),
                Content = row.GetString(3),
                Status = row.GetString(4),
                InputTokens = row.IsDBNull(5) ? null : row.GetInt32(5),
                OutputTokens = row.IsDBNull(6) ? null : row.GetInt32(6),
                CreatedAt = row.GetFieldValue<DateTimeOffset>(7),
            });
        }
        history.Reverse();
        return history;
    }

    /// <summary>
    /// The user's message of a turn (written by <see cref="SaveTurnAsync"/>). The first one gives the conversation its
    /// title, returned when set; <paramref name="earlier"/> (the unsummarized messages) tells whether it is the first.
    /// </summary>
    public static (Message Message, string? NewTitle) NewUserMessage(
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
    /// The rows of a turn: the job that answers its question with its prompt, so the job can be queued again from its
    /// row alone, and its conversation marked active, with <paramref name="newTitle"/> when given and the summary the
    /// prompt was planned with. The conversation is the one <see cref="OpenTurnAsync"/> returned, or a new one.
    /// </summary>
    public static TurnRows AnswerJob(
        TurnQuestion turn, JobPriority priority, int waiting, ContextPlan plan, string? newTitle, DateTimeOffset now)
    {
        var conversation = turn.Conversation;
        var generation = new Generation
        {
            Id = Guid.CreateVersion7(now),
            ConversationId = conversation.Id,
            UserMessageId = turn.Question.Id,
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
        return new TurnRows(turn, generation, plan.SummaryChanged);
    }

    /// <summary>
    /// Writes what the turn added and changed, in one round trip inside the caller's transaction: the conversation
    /// (inserted, or its title, activity and summary updated: the turn holds its lock), the user's message and the job.
    /// </summary>
    public async Task SaveTurnAsync(TurnRows turn, CancellationToken cancellationToken)
    {
        var (conversation, newConversation, question, newQuestion) = turn.Question;
        await using var batch = db.Database.CreateBatch(
            [
                newConversation ? InsertConversationCommand(conversation) : UpdateConversationCommand(conversation, turn.SummaryChanged),
                .. newQuestion ? [InsertMessageCommand(question)] : Array.Empty<NpgsqlBatchCommand>(),
                JobStore.InsertJobCommand(turn.Job),
            ]);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand InsertConversationCommand(Conversation c) => new("""
        INSERT INTO chat.conversations
            (id, user_id, title, status, model, provider, created_at, updated_at, summary, summarized_through, summarized_tokens)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """)
    {
        Parameters =
        {
            new() { Value = c.Id }, new() { Value = c.UserId }, new() { Value = c.Title }, new() { Value = c.Status },
            new() { Value = c.Model }, new() { Value = c.Provider }, new() { Value = c.CreatedAt.ToUniversalTime() },
            new() { Value = c.UpdatedAt.ToUniversalTime() }, DatabaseBatches.Nullable(c.Summary, NpgsqlDbType.Text),
            DatabaseBatches.Nullable(c.SummarizedThrough?.ToUniversalTime(), NpgsqlDbType.TimestampTz), new() { Value = c.SummarizedTokens },
        },
    };

    /// <summary>The summary's columns only when the turn changed it: a long summary is not sent and written again each turn.</summary>
    private static NpgsqlBatchCommand UpdateConversationCommand(Conversation c, bool summaryChanged)
    {
        var command = new NpgsqlBatchCommand(summaryChanged
            ? "UPDATE chat.conversations SET title = $2, status = $3, updated_at = $4, summary = $5, summarized_through = $6, summarized_tokens = $7 WHERE id = $1"
            : "UPDATE chat.conversations SET title = $2, status = $3, updated_at = $4 WHERE id = $1")
        {
            Parameters = { new() { Value = c.Id }, new() { Value = c.Title }, new() { Value = c.Status }, new() { Value = c.UpdatedAt.ToUniversalTime() } },
        };
        if (summaryChanged)
        {
            command.Parameters.Add(DatabaseBatches.Nullable(c.Summary, NpgsqlDbType.Text));
            command.Parameters.Add(DatabaseBatches.Nullable(c.SummarizedThrough?.ToUniversalTime(), NpgsqlDbType.TimestampTz));
            command.Parameters.Add(new() { Value = c.SummarizedTokens });
        }
        return command;
    }

    private static NpgsqlBatchCommand InsertMessageCommand(Message m) => new("""
        INSERT INTO chat.messages (id, conversation_id, role, content, status, input_tokens, output_tokens, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """)
    {
        Parameters =
        {
            new() { Value = m.Id }, new() { Value = m.ConversationId }, new() { Value = m.Role }, new() { Value = m.Content },
            new() { Value = m.Status }, DatabaseBatches.Nullable(m.InputTokens, NpgsqlDbType.Integer), DatabaseBatches.Nullable(m.OutputTokens, NpgsqlDbType.Integer),
            new() { Value = m.CreatedAt.ToUniversalTime() },
        },
    };

    /// <summary>The conversation went quiet and was ended; a new message reopens it.</summary>
    public Task MarkCompletedAsync(Guid conversationId) =>
        db.Conversations.Where(c => c.Id == conversationId)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Status, ConversationStatus.Completed), CancellationToken.None);
}

/// <summary>What a turn answers: its conversation and question, each either new with the turn or already stored.</summary>
public sealed record TurnQuestion(Conversation Conversation, bool NewConversation, Message Question, bool NewQuestion);

/// <summary>What a turn writes (<see cref="ConversationStore.SaveTurnAsync"/>).</summary>
public sealed record TurnRows(TurnQuestion Question, Generation Job, bool SummaryChanged);

/// <summary>What a turn starts from: the user's open jobs, the conversation held for the turn, its unsummarized messages oldest first.</summary>
public sealed record TurnStart(OpenJobs OpenJobs, Conversation Conversation, IReadOnlyList<Message> History);
