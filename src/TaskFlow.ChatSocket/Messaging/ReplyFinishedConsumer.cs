using MassTransit;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>
/// Stores every finished answer, whether or not a socket was watching. One queue shared by all replicas, so one
/// of them handles each result; the store's insert is idempotent, so redelivery and the socket's own write are harmless.
/// </summary>
public sealed class ReplyFinishedConsumer(JobStore store) : IConsumer<ReplyFinished>
{
    public Task Consume(ConsumeContext<ReplyFinished> context) => store.SaveReplyAsync(context.Message, context.CancellationToken);
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
