using MassTransit;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>
/// The workers' results reach <see cref="AnswerOutcomes"/>, whether or not a client followed the answers. One queue
/// shared by all replicas, so one of them handles each result. Results come in batches
/// (<see cref="ReplyFinishedConsumerDefinition"/>): under load one command and one statement serve many.
/// </summary>
public sealed class ReplyFinishedConsumer(AnswerOutcomes outcomes) : IConsumer<Batch<ReplyFinished>>
{
    public Task Consume(ConsumeContext<Batch<ReplyFinished>> context) =>
        outcomes.WorkerResultsAsync(context.Message.Select(m => m.Message).ToArray(), context.CancellationToken);
}

public sealed class ReplyFinishedConsumerDefinition : ConsumerDefinition<ReplyFinishedConsumer>
{
    public ReplyFinishedConsumerDefinition() => EndpointName = "chat-reply-finished";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReplyFinishedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Gathered for at most 20 ms from the first: an answer a client followed is stored by its relay before this
        // arrives, so only an answer nobody watched waits, and nobody is watching it.
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(ms: 20).SetConcurrencyLimit(2));
        // Rides out a PostgreSQL restart instead of dead-lettering answers. A message tried again comes back as a
        // batch of its own.
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(10, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)));
    }
}
