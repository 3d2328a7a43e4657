using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>
/// The relay of a transactional outbox, by hand (MassTransit's Entity Framework outbox is not in the package registry
/// used here). A job is stored with its prompt before the user is told it was accepted; this publishes again every job
/// that RabbitMQ has not confirmed some time later: the broker was down when the user sent it, or the replica died
/// between storing and publishing. Each replica runs one; they claim rows with FOR UPDATE SKIP LOCKED, so no two publish
/// the same job at once. A job can still reach the queue twice (a crash between RabbitMQ's confirmation and recording
/// it): the worker runs only one copy.
/// </summary>
public sealed class JobRedispatcher(
    IServiceScopeFactory scopes,
    JobDispatcher dispatcher,
    IOptions<QueueOptions> options,
    TimeProvider clock,
    ILogger<JobRedispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RedispatchInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RedispatchAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL is away: the jobs are safe in it, and the next tick looks again.
                logger.LogWarning("Looking for jobs RabbitMQ has not confirmed failed: {Message}", ex.Message);
            }
        }
    }

    /// <summary>Publishes the oldest unconfirmed jobs; returns how many RabbitMQ took.</summary>
    public async Task<int> RedispatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var settings = options.Value;
        var queued = await scope.ServiceProvider.GetRequiredService<ChatUnitOfWork>().RunAsync(async token =>
        {
            var cutoff = clock.GetUtcNow() - settings.RedispatchAfter;
            // Every job is stored with its prompt, which is cleared only once the job is queued.
            var jobs = await db.Generations.FromSql($"""
                SELECT * FROM chat.generations
                WHERE status = {GenerationStatus.Waiting} AND queued_at IS NULL AND pending_prompt IS NOT NULL AND created_at < {cutoff}
                ORDER BY created_at
                LIMIT {settings.RedispatchBatchSize}
                FOR UPDATE SKIP LOCKED
                """).ToListAsync(token);

            var queued = 0;
            foreach (var job in jobs)
            {
                try
                {
                    await dispatcher.EnqueueAsync(PendingJob.ToMessage(job, PendingJob.DeserializePrompt(job.PendingPrompt)!), job, token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Still down: one timeout per tick is enough to know, and keeps the rows locked no longer than that.
                    logger.LogWarning("RabbitMQ does not take jobs yet ({Message}); {Count} stay stored for the next try", ex.Message, jobs.Count - queued);
                    break;
                }
                job.QueuedAt = clock.GetUtcNow();
                job.PendingPrompt = null;
                queued++;
            }

            await db.SaveChangesAsync(token);
            return queued;
        }, cancellationToken);
        if (queued > 0)
        {
            logger.LogInformation("Queued {Count} job(s) that RabbitMQ had not confirmed", queued);
        }
        return queued;
    }
}
