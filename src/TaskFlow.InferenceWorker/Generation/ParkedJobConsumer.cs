using MassTransit;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// Holds the jobs that wait (see <see cref="JobParking"/>) until their wait is over, then puts them back on the job
/// queue. A job stopped by its user meanwhile goes back at once: the worker that takes it skips it.
/// </summary>
public sealed class ParkedJobConsumer(
    JobParking parking,
    GenerationClaims claims,
    GenerationCancellations cancellations,
    TimeProvider clock,
    ILogger<ParkedJobConsumer> logger) : IConsumer<GenerateReply>
{
    public async Task Consume(ConsumeContext<GenerateReply> context)
    {
        var job = context.Message;
        var parkedId = context.MessageId ?? Guid.Empty;
        if (!await claims.IsHeldByAsync(job.GenerationId, parkedId))
        {
            // Left behind by a worker that died while handing the job over: the job went on without it.
            logger.LogInformation("Parked copy of generation {GenerationId} no longer holds the job; dropping it", job.GenerationId);
            return;
        }

        var wait = JobParking.NotBefore(context) - clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            using var stoppable = await cancellations.RegisterAsync(job.GenerationId, context.CancellationToken);
            try
            {
                await Task.Delay(wait, clock, stoppable.Token);
            }
            catch (OperationCanceledException) when (stoppable.Reason is not null && !context.CancellationToken.IsCancellationRequested)
            {
                logger.LogInformation("Generation {GenerationId} was {Reason} while it waited", job.GenerationId, stoppable.Reason);
            }
        }

        if (await claims.IsHeldByAsync(job.GenerationId, parkedId))
        {
            await parking.ReturnAsync(context);
        }
    }
}
