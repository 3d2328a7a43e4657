using MassTransit;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>
/// Workers took jobs: they leave the queue board, so the jobs behind them move up, and are marked as processing for job
/// status and history. The board first: positions need only Redis, and must not wait for the database. Starts come in
/// batches (<see cref="GenerationStartedConsumerDefinition"/>): under load one command and one statement serve many.
/// </summary>
public sealed class GenerationStartedConsumer(QueueBoardWriter board, JobStore store) : IConsumer<Batch<GenerationStarted>>
{
    public async Task Consume(ConsumeContext<Batch<GenerationStarted>> context)
    {
        var started = context.Message.Select(m => m.Message).ToArray();
        await board.RemoveAsync(started.Select(s => s.GenerationId).ToArray());
        await store.MarkStartedAsync(started, context.CancellationToken);
    }
}

public sealed class GenerationStartedConsumerDefinition : ConsumerDefinition<GenerationStartedConsumer>
{
    public GenerationStartedConsumerDefinition() => EndpointName = "chat-generation-started";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GenerationStartedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Gathered for at most 20 ms from the first: the started job's own client hears of its start from the worker's
        // stream, so only the positions of the jobs behind it wait, by less than anyone can see.
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(ms: 20).SetConcurrencyLimit(2));
        // A message tried again comes back as a batch of its own.
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(10, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)));
    }
}
