using MassTransit;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>
/// A worker took a job: it leaves the queue board, so the jobs behind it move up, and is marked as processing for job
/// status and history. The board first: positions need only Redis, and must not wait for the database.
/// </summary>
public sealed class GenerationStartedConsumer(QueueBoardWriter board, JobStore store) : IConsumer<GenerationStarted>
{
    public async Task Consume(ConsumeContext<GenerationStarted> context)
    {
        await board.RemoveAsync(context.Message.GenerationId);
        await store.MarkStartedAsync(context.Message.GenerationId, context.Message.StartedAt, context.CancellationToken);
    }
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
