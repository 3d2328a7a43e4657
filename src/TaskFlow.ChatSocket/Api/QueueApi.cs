using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Api;

/// <summary>
/// The queue demo's HTTP API for clients that do not speak WebSocket: the same users, isolation and queue as the
/// socket. Submitting returns at once with the job id; <c>/stream/status/{jobId}</c> follows the job.
/// </summary>
public static class QueueApi
{
    private const int MaxHistory = 50;

    public static IEndpointRouteBuilder MapQueueApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/chat", SubmitAsync).WithTags("Queue").RequireAuthorization()
            .WithSummary("Queues a chat message; answers with the job id, its queue position and where to follow it.");
        app.MapGet("/api/queue/stats", StatsAsync).WithTags("Queue").RequireAuthorization()
            .WithSummary("Jobs waiting and processing now (by priority), finished in the last 24 hours, and throughput.");
        app.MapGet("/api/jobs", HistoryAsync).WithTags("Queue").RequireAuthorization()
            .WithSummary("The caller's most recent jobs (at most 50) with status, model and timings.");
        app.MapGet("/stream/status/{jobId:guid}", JobStatusEvents.StreamAsync).WithTags("Queue").RequireAuthorization()
            .WithSummary("Server-Sent Events for one job: queue_position, progress, job_status, ai_start, ai_token, ai_done or ai_error, result. Send Last-Event-ID to resume after that event; 204 once the job's end was sent.");
        return app;
    }

    private static async Task<Results<Accepted<SubmittedJob>, BadRequest<ProblemMessage>, NotFound<ProblemMessage>, ProblemHttpResult>> SubmitAsync(
        ChatSubmission submission, HttpContext http, TurnSubmitter submitter, ConversationStore conversations, QueuePositions positions, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.IdOf(http);
        if (submitter.Validate(submission.Message, submission.Priority, out var text, out var priority) is { } invalid)
        {
            return TypedResults.BadRequest(new ProblemMessage(false, invalid.Message));
        }
        Conversation? conversation = null;
        if (submission.ConversationId is { } conversationId)
        {
            conversation = await conversations.FindAsync(conversationId, userId, cancellationToken);
            if (conversation is null)
            {
                return TypedResults.NotFound(new ProblemMessage(false, "Conversation not found. Leave conversationId out to start a new one."));
            }
        }

        // Unlike the socket, a request cannot interrupt the answer running in its conversation: it waits its turn.
        var result = await submitter.SubmitNextTurnAsync(userId, conversation, submission.Model, text, priority, cancellationToken);
        if (result.Error is { } error)
        {
            return TypedResults.Problem(error.Message, title: error.Code, statusCode: error.Code switch
            {
                ErrorCodes.ModelNotFound => StatusCodes.Status400BadRequest,
                ErrorCodes.GenerationInProgress => StatusCodes.Status409Conflict,
                ErrorCodes.TooManyJobs => StatusCodes.Status429TooManyRequests,
                _ => StatusCodes.Status503ServiceUnavailable,
            });
        }
        // A job RabbitMQ could not take yet is accepted all the same: it is stored, and queued once RabbitMQ is back.
        var queued = await result.Queued;
        var accepted = result.Accepted!;
        var ahead = await positions.JobsAheadAsync(accepted.Generation.Id) ?? 0;
        var statusUrl = $"/stream/status/{accepted.Generation.Id}";
        return TypedResults.Accepted(statusUrl, new SubmittedJob(
            accepted.Generation.Id, result.Conversation!.Id, accepted.Message.Id, JobPriorities.Name(priority), ahead + 1, ahead, statusUrl,
            queued ? SubmittedJob.Queued : SubmittedJob.Delayed));
    }

    private static async Task<Ok<QueueStats>> StatsAsync(ChatDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var dayAgo = now.AddDays(-1);
        var fiveMinutesAgo = now.AddMinutes(-5);
        var byStatus = await db.Generations.AsNoTracking()
            .Where(g => g.FinishedAt == null || g.FinishedAt >= dayAgo)
            .GroupBy(g => g.Status)
            .Select(group => new { Status = group.Key, Count = group.Count() })
            .ToDictionaryAsync(row => row.Status, row => row.Count, cancellationToken);
        var waitingByPriority = await db.Generations.AsNoTracking()
            .Where(g => g.Status == GenerationStatus.Waiting)
            .GroupBy(g => g.Priority)
            .Select(group => new { Priority = group.Key, Count = group.Count() })
            .ToDictionaryAsync(row => row.Priority, row => row.Count, cancellationToken);
        var recentlyCompleted = await db.Generations.AsNoTracking()
            .CountAsync(g => g.Status == GenerationStatus.Completed && g.FinishedAt >= fiveMinutesAgo, cancellationToken);

        int Count(string status) => byStatus.GetValueOrDefault(status);
        return TypedResults.Ok(new QueueStats(
            Count(GenerationStatus.Waiting),
            Count(GenerationStatus.Processing),
            Count(GenerationStatus.Completed),
            Count(GenerationStatus.Failed),
            Count(GenerationStatus.Cancelled) + Count(GenerationStatus.Interrupted),
            Math.Round(recentlyCompleted / 5.0, 2),
            new PriorityCounts(
                waitingByPriority.GetValueOrDefault((int)JobPriority.High),
                waitingByPriority.GetValueOrDefault((int)JobPriority.Medium),
                waitingByPriority.GetValueOrDefault((int)JobPriority.Low))));
    }

    private static async Task<Ok<JobHistory>> HistoryAsync(HttpContext http, ChatDbContext db, CancellationToken cancellationToken, int limit = MaxHistory)
    {
        var userId = CurrentUser.IdOf(http);
        var jobs = await db.Generations.AsNoTracking()
            .Where(g => g.UserId == userId)
            .OrderByDescending(g => g.CreatedAt)
            .Take(Math.Clamp(limit, 1, MaxHistory))
            .Select(g => new JobView(
                g.Id, g.ConversationId, db.Conversations.Where(c => c.Id == g.ConversationId).Select(c => c.Title).FirstOrDefault(),
                g.Kind, g.Model, JobPriorities.Name((JobPriority)g.Priority), g.Status, g.ErrorCode, g.CreatedAt, g.StartedAt, g.FinishedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new JobHistory(jobs));
    }
}

public sealed record ChatSubmission(string? Message, string? Priority, Guid? ConversationId, string? Model);

/// <param name="Status">
/// <c>queued</c>, or <c>delayed</c> when RabbitMQ could not take the job yet: it is stored and queued automatically once
/// RabbitMQ is back (follow <paramref name="StatusUrl"/> as usual); position and ahead count only once it is queued.
/// </param>
public sealed record SubmittedJob(Guid JobId, Guid ConversationId, Guid MessageId, string Priority, long Position, long Ahead, string StatusUrl, string Status)
{
    public const string Queued = "queued";
    public const string Delayed = "delayed";
}

public sealed record QueueStats(int Waiting, int Processing, int Completed, int Failed, int Cancelled, double ThroughputPerMinute, PriorityCounts WaitingByPriority);

public sealed record PriorityCounts(int High, int Medium, int Low);

public sealed record JobHistory(IReadOnlyList<JobView> Jobs);

public sealed record JobView(
    Guid JobId, Guid? ConversationId, string? ConversationTitle, string Kind, string Model, string Priority, string Status, string? ErrorCode,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public long? WaitMs => StartedAt is { } started ? (long)(started - CreatedAt).TotalMilliseconds : null;

    public long? DurationMs => StartedAt is { } started && FinishedAt is { } finished ? (long)(finished - started).TotalMilliseconds : null;
}
