using MassTransit;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>
/// The worker's result reaches <see cref="AnswerOutcomes"/>, whether or not a client followed the answer. One queue
/// shared by all replicas, so one of them handles each result.
/// </summary>
public sealed class ReplyFinishedConsumer(AnswerOutcomes outcomes) : IConsumer<ReplyFinished>
{
    public Task Consume(ConsumeContext<ReplyFinished> context) =>
        outcomes.WorkerResultAsync(context.Message, context.CancellationToken);
}

public sealed class ReplyFinishedConsumerDefinition : ConsumerDefinition<ReplyFinishedConsumer>
{
    public ReplyFinishedConsumerDefinition() => EndpointName = "chat-reply-finished";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReplyFinishedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // Rides out a PostgreSQL restart instead of dead-lettering answers.
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(10, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)));
}
