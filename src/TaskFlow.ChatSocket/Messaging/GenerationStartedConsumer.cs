using MassTransit;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>Marks a job as processing when a worker takes it, for job status and history.</summary>
public sealed class GenerationStartedConsumer(JobStore store) : IConsumer<GenerationStarted>
{
    public Task Consume(ConsumeContext<GenerationStarted> context) =>
        store.MarkStartedAsync(context.Message.GenerationId, context.Message.StartedAt, context.CancellationToken);
}

public sealed class GenerationStartedConsumerDefinition : ConsumerDefinition<GenerationStartedConsumer>
{
    public GenerationStartedConsumerDefinition() => EndpointName = "chat-generation-started";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GenerationStartedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(10, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)));
}
