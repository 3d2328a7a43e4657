using MassTransit;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>Puts a stored job on the RabbitMQ priority queue and on the waiting board that positions are read from.</summary>
public sealed class JobDispatcher(IBus bus, QueueBoardWriter board, IOptions<QueueOptions> options)
{
    /// <summary>Returns once RabbitMQ confirmed the job; throws when it did not within <see cref="QueueOptions.PublishTimeout"/>.</summary>
    public async Task EnqueueAsync(GenerateReply job, Generation generation, CancellationToken cancellationToken)
    {
        var queuePriority = (byte)generation.QueuePriority;
        // The board's write and the job's publish go out together, a round trip less before the worker can start. The
        // board's write leaves first, on Redis's connection, while the worker's start (whose announcement takes the job
        // off the board) is a delivery, two Redis round trips and another delivery away.
        var boarding = board.AddAsync(job.GenerationId, queuePriority, generation.CreatedAt);
        try
        {
            // MassTransit waits for an unreachable broker instead of failing: bound the wait.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.PublishTimeout);
            try
            {
                await bus.Publish(job, context => context.SetPriority(queuePriority), timeout.Token);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"RabbitMQ did not confirm the job within {options.Value.PublishTimeout.TotalSeconds:0.#} s.", ex);
            }
        }
        catch
        {
            await boarding;
            await board.RemoveAsync(job.GenerationId);
            throw;
        }
        await boarding;
    }
}
