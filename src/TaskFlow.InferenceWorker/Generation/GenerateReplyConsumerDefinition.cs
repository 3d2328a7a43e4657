using MassTransit;
using Microsoft.Extensions.Options;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// The job queue: a RabbitMQ priority queue, and a prefetch no larger than the concurrency so that a High job
/// arriving behind a backlog is not stuck in some worker's buffer.
/// </summary>
public sealed class GenerateReplyConsumerDefinition : ConsumerDefinition<GenerateReplyConsumer>
{
    public const string QueueName = "generate-reply";
    public const byte MaxPriority = 10;

    private readonly int _concurrency;

    public GenerateReplyConsumerDefinition(IOptions<InferenceOptions> options)
    {
        _concurrency = options.Value.MaxConcurrentJobs;
        EndpointName = QueueName;
        ConcurrentMessageLimit = _concurrency;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GenerateReplyConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _concurrency;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.EnablePriority(MaxPriority);
        }
    }
}
