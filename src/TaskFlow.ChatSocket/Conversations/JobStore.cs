using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// The jobs (generations) from queued to closed: detached jobs (a suggested question, a <c>/v1</c> completion),
/// the open-job count the per-user limit reads, queued and started times, and the result, stored exactly once.
/// </summary>
public sealed class JobStore(ChatDbContext db, TimeProvider clock)
{
    /// <summary>
    /// Stores a job that belongs to no conversation: a suggested question, or an OpenAI-compatible completion whose
    /// messages the client sent itself.
    /// </summary>
    public async Task<Generation> AcceptDetachedJobAsync(
        string userId, string model, JobPriority priority, JobKind kind, IReadOnlyList<ChatTurn> prompt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var waiting = await db.Generations.CountAsync(g => g.UserId == userId && g.Status == GenerationStatus.Waiting, cancellationToken);
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
        db.Generations.Add(generation);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return generation;
    }

    /// <summary>The user's jobs still waiting or being answered (the status index finds the few open ones).</summary>
    public Task<int> CountOpenJobsAsync(string userId, CancellationToken cancellationToken) =>
        db.Generations.AsNoTracking()
            .CountAsync(g => (g.Status == GenerationStatus.Waiting || g.Status == GenerationStatus.Processing) && g.UserId == userId, cancellationToken);

    /// <summary>RabbitMQ confirmed the job: it is the queue's now, and its prompt need not be kept any longer.</summary>
    public Task MarkQueuedAsync(Guid generationId, DateTimeOffset queuedAt, CancellationToken cancellationToken) =>
        db.Generations
            .Where(g => g.Id == generationId && g.QueuedAt == null)
            .ExecuteUpdateAsync(set => set
                .SetProperty(g => g.QueuedAt, queuedAt)
                .SetProperty(g => g.PendingPrompt, (string?)null), cancellationToken);

    /// <summary>
    /// A worker took the job. The start and the result travel on different queues, so the result may already be
    /// stored: then only the start time is filled in and the final status stays.
    /// </summary>
    public Task MarkStartedAsync(Guid generationId, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        db.Generations
            .Where(g => g.Id == generationId && g.StartedAt == null)
            .ExecuteUpdateAsync(set => set
                .SetProperty(g => g.Status, g => g.Status == GenerationStatus.Waiting ? GenerationStatus.Processing : g.Status)
                .SetProperty(g => g.StartedAt, startedAt), cancellationToken);

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
    /// <see cref="SaveReplyAsync"/> for a caller about to show the answer: while the database is away it gives up after
    /// a few seconds instead of holding the answer back, since the result consumer stores the same reply once the
    /// database is back. Returns false when it left the reply to the consumer.
    /// </summary>
    public async Task<bool> TrySaveReplyBeforeShowingAsync(ReplyFinished reply)
    {
        using var patience = new CancellationTokenSource(ShowingPatience);
        try
        {
            await SaveReplyAsync(reply, patience.Token);
            return true;
        }
        catch (Exception ex) when (ex is DbException or RetryLimitExceededException
            || ex is OperationCanceledException && patience.IsCancellationRequested)
        {
            return false;
        }
    }

    private static readonly TimeSpan ShowingPatience = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stores the assistant's answer exactly once, however often its writer (AnswerOutcomes) is told of it, and closes
    /// the job. Returns false if it was already stored or the conversation is gone.
    /// </summary>
    public async Task<bool> SaveReplyAsync(ReplyFinished reply, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var inserted = 0;
        if (reply.Content.Length > 0 || reply.Status == GenerationStatus.Completed)
        {
            // The message id is the generation id: a second insert of the same answer is a no-op.
            inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO chat.messages (id, conversation_id, role, content, status, input_tokens, output_tokens, created_at)
                SELECT {reply.GenerationId}, {reply.ConversationId}, 'assistant', {reply.Content}, {reply.Status}, {reply.InputTokens}, {reply.OutputTokens}, {now}
                WHERE EXISTS (SELECT 1 FROM chat.conversations WHERE id = {reply.ConversationId})
                  -- Once the job is closed its answer was stored: a late copy must not bring back an answer regenerated since.
                  AND EXISTS (SELECT 1 FROM chat.generations WHERE id = {reply.GenerationId} AND finished_at IS NULL)
                ON CONFLICT (id) DO NOTHING
                """, cancellationToken);
        }

        if (await CloseAsync(reply.GenerationId, reply.Status, reply.ErrorCode, reply.ErrorMessage, now, cancellationToken))
        {
            await db.Conversations.Where(c => c.Id == reply.ConversationId)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.UpdatedAt, now), cancellationToken);
        }
        return inserted > 0;
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
