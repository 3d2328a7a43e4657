using MassTransit;
using StackExchange.Redis;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// The job queue: a RabbitMQ priority queue, with a prefetch no larger than the concurrency. RabbitMQ orders by
/// priority only the messages still in the queue; anything already pushed to a consumer's buffer is taken in arrival
/// order, so a larger prefetch would let a backlog of Low jobs overtake a later High one. A job that has to wait does
/// not keep its slot: it waits in the waiting queue (see <see cref="JobParking"/>), whose prefetch only bounds memory.
/// </summary>
public static class GenerateReplyEndpoint
{
    public const string QueueName = "generate-reply";
    public const byte MaxPriority = 10;

    public static void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit, int concurrency, int maxWaiting)
    {
        rabbit.ReceiveEndpoint(QueueName, endpoint =>
        {
            endpoint.EnablePriority(MaxPriority);
            endpoint.PrefetchCount = concurrency;
            endpoint.ConcurrentMessageLimit = concurrency;
            // A job Redis failed under runs again here, keeping its slot, rather than faulting into the error queue.
            endpoint.UseMessageRetry(retry =>
            {
                retry.Handle<RedisException>();
                retry.Handle<RedisTimeoutException>();
                retry.Intervals(RedisFailure.RetryIntervals);
            });
            endpoint.ConfigureConsumer<GenerateReplyConsumer>(context);
        });
        rabbit.ReceiveEndpoint(JobParking.QueueName, endpoint =>
        {
            // Only parked jobs are sent here; it must not also receive every job published to the job queue.
            endpoint.ConfigureConsumeTopology = false;
            endpoint.PrefetchCount = maxWaiting;
            endpoint.ConcurrentMessageLimit = maxWaiting;
            // Redis or RabbitMQ failing as a job goes back to the queue: try again; the job stays parked meanwhile.
            endpoint.UseMessageRetry(retry => retry.Intervals(RedisFailure.RetryIntervals));
            endpoint.ConfigureConsumer<ParkedJobConsumer>(context);
        });
    }
}
