using MassTransit;
using StackExchange.Redis;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// The job queue: a RabbitMQ priority queue, with a prefetch no larger than the concurrency. RabbitMQ orders by
/// priority only the messages still in the queue; anything already pushed to a consumer's buffer is taken in arrival
/// order, so a larger prefetch would let a backlog of Low jobs overtake a later High one.
/// </summary>
public static class GenerateReplyEndpoint
{
    public const string QueueName = "generate-reply";
    public const byte MaxPriority = 10;

    public static void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit, int concurrency) =>
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
}
