using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// The jobs (generations) from queued to closed: detached jobs (a suggested question, a <c>/v1</c> completion),
/// the open-job count the per-user limit reads, queued and started times, and the result, stored exactly once.
/// The statements that change many jobs at once (queued, started, results) run side by side and often name the same
/// jobs (an instant answer starts and ends within one batch), so each locks its jobs in id order before it changes
/// them, and the results' statement then its conversations in id order: locks taken in one order cannot deadlock,
/// where PostgreSQL would otherwise stop one statement after a second (<c>deadlock_timeout</c>) and every answer
/// waiting on it with it. Each locks only the jobs it has something to write to (a lock is a write to the row too);
/// PostgreSQL checks that condition again on a row it had to wait for.
/// </summary>
public sealed class JobStore(ChatDbContext db, TimeProvider clock)
{
    /// <summary>
    /// Stores a job that belongs to no conversation: a suggested question, or an OpenAI-compatible completion whose
    /// messages the client sent itself.
    /// </summary>
    public async Task<Generation> AcceptDetachedJobAsync(
        string userId, string model, JobPriority priority, JobKind kind, IReadOnlyList<ChatTurn> prompt, int waiting, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var generation = new Generation
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Kind = kind.ToString().ToLowerInvariant(),
            Model = model,
            Priority = (int)priority,
            QueuePriority = FairPriority.For(priority, waiting),
            Status = GenerationStatus.Waiting,
            CreatedAt = now,
            PendingPrompt = PendingJob.SerializePrompt(prompt),
        };
        await RunAloneAsync(() => InsertJobCommand(generation), async (batch, token) => await batch.ExecuteNonQueryAsync(token), cancellationToken);
        return generation;
    }

    /// <summary>
    /// Writes a new job, for a batch (a turn's, <see cref="ConversationStore.SaveTurnAsync"/>). A replay of the same job
    /// (its write retried after a commit whose answer was lost) adds nothing.
    /// </summary>
    internal static NpgsqlBatchCommand InsertJobCommand(Generation job) => new("""
        INSERT INTO chat.generations
            (id, conversation_id, user_message_id, kind, user_id, model, priority, queue_priority, status, created_at, pending_prompt)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (id) DO NOTHING
        """)
    {
        Parameters =
        {
            new() { Value = job.Id },
            DatabaseBatches.Nullable(job.ConversationId, NpgsqlDbType.Uuid),
            new() { Value = job.UserMessageId },
            new() { Value = job.Kind },
            new() { Value = job.UserId },
            new() { Value = job.Model },
            new() { Value = job.Priority },
            new() { Value = job.QueuePriority },
            new() { Value = job.Status },
            new() { Value = job.CreatedAt.ToUniversalTime() },
            DatabaseBatches.Nullable(job.PendingPrompt, NpgsqlDbType.Jsonb),
        },
    };

    /// <summary>
    /// The user's jobs still waiting or being answered, and how many of them wait, in one query (the status index
    /// finds the few open ones); inside a unit of work, in its transaction.
    /// </summary>
    public Task<OpenJobs> CountOpenJobsAsync(string userId, CancellationToken cancellationToken) =>
        RunAloneAsync(() => OpenJobsCommand(userId), async (batch, token) =>
        {
            await using var reader = await batch.ExecuteReaderAsync(token);
            return await ReadOpenJobsAsync(reader, token);
        }, cancellationToken);

    /// <summary>
    /// One statement, on its own (with the retrying execution strategy) or in the unit of work's transaction when one is
    /// under way: the connection is opened for it unless the transaction holds it open already.
    /// </summary>
    private Task<T> RunAloneAsync<T>(Func<NpgsqlBatchCommand> command, Func<NpgsqlBatch, CancellationToken, Task<T>> run, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await db.Database.OpenConnectionAsync(token);
            try
            {
                await using var batch = db.Database.CreateBatch(command());
                return await run(batch, token);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);

    /// <summary>The count of <see cref="CountOpenJobsAsync"/>, for a batch (<see cref="ConversationStore.OpenTurnAsync"/>).</summary>
    internal static NpgsqlBatchCommand OpenJobsCommand(string userId) => new("""
        SELECT count(*)::int, (count(*) FILTER (WHERE status = $2))::int FROM chat.generations
        WHERE user_id = $1 AND status IN ($2, $3)
        """)
    {
        Parameters = { new() { Value = userId }, new() { Value = GenerationStatus.Waiting }, new() { Value = GenerationStatus.Processing } },
    };

    internal static async Task<OpenJobs> ReadOpenJobsAsync(DbDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) ? new OpenJobs(reader.GetInt32(0), reader.GetInt32(1)) : OpenJobs.None;

    /// <summary>
    /// RabbitMQ confirmed these jobs: they are the queue's now, and their prompts need not be kept any longer. One
    /// statement for the whole batch.
    /// </summary>
    public Task MarkQueuedAsync(IReadOnlyList<QueuedJob> confirmed, CancellationToken cancellationToken)
    {
        var ids = confirmed.Select(job => job.GenerationId).ToArray();
        var times = confirmed.Select(job => job.QueuedAt.ToUniversalTime()).ToArray();
        return db.Database.ExecuteSqlInterpolatedAsync($"""
            WITH locked AS (SELECT id FROM chat.generations WHERE id = ANY({ids}) AND queued_at IS NULL ORDER BY id FOR NO KEY UPDATE)
            UPDATE chat.generations AS g SET queued_at = c.queued_at, pending_prompt = NULL
            FROM unnest({ids}, {times}) AS c(id, queued_at)
            WHERE g.id = c.id AND g.id IN (SELECT id FROM locked)
            """, cancellationToken);
    }

    /// <summary>
    /// Workers took these jobs. The start and the result travel on different queues, so a result may already be
    /// stored: then only the start time is filled in and the final status stays. One statement for the whole batch; a
    /// job named twice (a redelivered copy) keeps its first start.
    /// </summary>
    public Task<int> MarkStartedAsync(IReadOnlyCollection<GenerationStarted> started, CancellationToken cancellationToken)
    {
        // UPDATE … FROM updates a row once, from whichever of its matches comes first: the earliest is chosen here.
        var first = started.GroupBy(s => s.GenerationId, (id, copies) => (Id: id, At: copies.Min(c => c.StartedAt).ToUniversalTime())).ToArray();
        var ids = first.Select(s => s.Id).ToArray();
        var times = first.Select(s => s.At).ToArray();
        return db.Database.ExecuteSqlInterpolatedAsync($"""
            WITH locked AS (SELECT id FROM chat.generations WHERE id = ANY({ids}) AND started_at IS NULL ORDER BY id FOR NO KEY UPDATE)
            UPDATE chat.generations AS g
            SET status = CASE WHEN g.status = {GenerationStatus.Waiting} THEN {GenerationStatus.Processing} ELSE g.status END,
                started_at = s.started_at
            FROM unnest({ids}, {times}) AS s(id, started_at)
            WHERE g.id = s.id AND g.id IN (SELECT id FROM locked)
            """, cancellationToken);
    }

    /// <summary>The conversation's newest job that has not ended, if any: its last message is still queued or answered.</summary>
    public Task<Guid?> UnfinishedJobAsync(Guid conversationId, CancellationToken cancellationToken) =>
        db.Generations.AsNoTracking()
            .Where(g => g.ConversationId == conversationId && g.FinishedAt == null)
            .OrderByDescending(g => g.CreatedAt)
            .Select(g => (Guid?)g.Id)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>The newest job of a conversation, and whether it has ended: a reconnecting client is attached to it.</summary>
    public async Task<(Guid Id, bool Finished)?> LatestGenerationAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var latest = await db.Generations.AsNoTracking()
            .Where(g => g.ConversationId == conversationId)
            .OrderByDescending(g => g.CreatedAt)
            .Select(g => new { g.Id, Finished = g.FinishedAt != null })
            .FirstOrDefaultAsync(cancellationToken);
        return latest is null ? null : (latest.Id, latest.Finished);
    }

    /// <summary>
    /// Stores the assistant's answer exactly once, however often its writer (AnswerOutcomes) is told of it, and closes
    /// the job, in one statement: the answer goes in only with the close of a job still open, so a late copy cannot
    /// bring back an answer regenerated since. A start the result carries (one the worker never announced on its own) is
    /// filled in whether or not the job was closed already (by the relay that showed the answer). Returns false if the
    /// answer was already stored or the conversation is gone.
    /// </summary>
    public async Task<bool> SaveReplyAsync(ReplyFinished reply, CancellationToken cancellationToken) =>
        (await SaveReplyAsync([reply], cancellationToken)).Count > 0;

    /// <summary>
    /// <see cref="SaveReplyAsync(ReplyFinished, CancellationToken)"/> for many answers in one statement (the workers'
    /// results, gathered under load). A job named twice (a redelivered copy) is closed by its first copy.
    /// </summary>
    /// <returns>The jobs whose answers were stored now.</returns>
    public async Task<HashSet<Guid>> SaveReplyAsync(IReadOnlyCollection<ReplyFinished> replies, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = replies.DistinctBy(r => r.GenerationId).ToArray();
        var ids = rows.Select(r => r.GenerationId).ToArray();
        var conversations = rows.Select(r => r.ConversationId).ToArray();
        var statuses = rows.Select(r => r.Status).ToArray();
        var errorCodes = rows.Select(r => r.ErrorCode).ToArray();
        var errorMessages = rows.Select(r => r.ErrorMessage).ToArray();
        var contents = rows.Select(r => r.Content).ToArray();
        var inputTokens = rows.Select(r => r.InputTokens).ToArray();
        var outputTokens = rows.Select(r => r.OutputTokens).ToArray();
        var startedAt = rows.Select(r => r.StartedAt?.ToUniversalTime()).ToArray();
        // A stop before the first token leaves nothing to show, so no message; a completed empty answer is one.
        var hasAnswer = rows.Select(r => r.Content.Length > 0 || r.Status == GenerationStatus.Completed).ToArray();
        // Not composed further: PostgreSQL takes a WITH that writes only at the top level.
        var stored = await db.Database.SqlQuery<Guid>($"""
            WITH replies AS (
                SELECT * FROM unnest({ids}, {conversations}, {statuses}, {errorCodes}, {errorMessages}, {contents}, {inputTokens}, {outputTokens}, {hasAnswer}, {startedAt})
                    AS r(id, conversation_id, status, error_code, error_message, content, input_tokens, output_tokens, has_answer, started_at)),
            -- Only jobs with something left to write are locked (a lock is a write too): most results find their job closed,
            -- with its start, by the relay that showed the answer. A locked row is read as it is now, after any write
            -- that held it, and checked again: whether it is still open.
            locked AS (
                SELECT id, finished_at IS NULL AS open FROM chat.generations
                WHERE id = ANY({ids}) AND (finished_at IS NULL OR started_at IS NULL)
                ORDER BY id FOR NO KEY UPDATE),
            changed AS (
                UPDATE chat.generations AS g
                SET status = CASE WHEN l.open THEN r.status ELSE g.status END,
                    error_code = CASE WHEN l.open THEN r.error_code ELSE g.error_code END,
                    error_message = CASE WHEN l.open THEN r.error_message ELSE g.error_message END,
                    finished_at = CASE WHEN l.open THEN {now} ELSE g.finished_at END,
                    started_at = COALESCE(g.started_at, r.started_at)
                FROM replies AS r JOIN locked AS l USING (id)
                WHERE g.id = r.id AND (l.open OR (g.started_at IS NULL AND r.started_at IS NOT NULL))
                RETURNING g.id, l.open),
            closed AS (SELECT id FROM changed WHERE open),
            answered AS (
                -- The message id is the generation id: a second insert of the same answer is a no-op.
                INSERT INTO chat.messages (id, conversation_id, role, content, status, input_tokens, output_tokens, created_at)
                SELECT r.id, r.conversation_id, 'assistant', r.content, r.status, r.input_tokens, r.output_tokens, {now}
                FROM replies AS r JOIN closed USING (id)
                WHERE r.has_answer AND EXISTS (SELECT 1 FROM chat.conversations AS c WHERE c.id = r.conversation_id)
                ON CONFLICT (id) DO NOTHING
                RETURNING id),
            touched AS (
                UPDATE chat.conversations AS c SET updated_at = {now}
                FROM (SELECT id FROM chat.conversations
                      WHERE id IN (SELECT r.conversation_id FROM replies AS r JOIN closed USING (id))
                      ORDER BY id FOR NO KEY UPDATE) AS l
                WHERE c.id = l.id)
            SELECT id AS "Value" FROM answered
            """).ToListAsync(cancellationToken);
        return [.. stored];
    }

    /// <summary>A job that could not be queued ends as failed, with no answer: nobody will ever answer it.</summary>
    public Task FailUnqueuedAsync(Guid generationId, string errorCode, string errorMessage, CancellationToken cancellationToken) =>
        CloseAsync(generationId, GenerationStatus.Failed, errorCode, errorMessage, clock.GetUtcNow(), cancellationToken);

    /// <summary>
    /// The client was told the job failed (<c>/v1</c>: a retry that began differently from the text it already had), so
    /// the job says so, even when the worker's result, sent the moment its retry ended, closed it as completed first.
    /// </summary>
    public Task FailAsToldAsync(Guid generationId, string errorCode, string errorMessage, CancellationToken cancellationToken) =>
        CloseAsync(generationId, GenerationStatus.Failed, errorCode, errorMessage, clock.GetUtcNow(), cancellationToken, evenIfClosed: true);

    /// <summary>Ends the job with this outcome; only a job still open, unless <paramref name="evenIfClosed"/> (which keeps its end time).</summary>
    private async Task<bool> CloseAsync(
        Guid generationId, string status, string? errorCode, string? errorMessage, DateTimeOffset now, CancellationToken cancellationToken,
        bool evenIfClosed = false) =>
        await db.Generations
            .Where(g => g.Id == generationId && (evenIfClosed || g.FinishedAt == null))
            .ExecuteUpdateAsync(set => set
                .SetProperty(g => g.Status, status)
                .SetProperty(g => g.ErrorCode, errorCode)
                .SetProperty(g => g.ErrorMessage, errorMessage)
                .SetProperty(g => g.FinishedAt, g => g.FinishedAt ?? now), cancellationToken) > 0;
}

/// <summary>A user's jobs waiting or being answered (<paramref name="Open"/>), and of those the waiting ones.</summary>
public sealed record OpenJobs(int Open, int Waiting)
{
    public static readonly OpenJobs None = new(0, 0);
}

/// <summary>A job RabbitMQ confirmed, and when.</summary>
public sealed record QueuedJob(Guid GenerationId, DateTimeOffset QueuedAt);
