using MassTransit;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Messaging;

/// <summary>
/// Stores every finished answer, whether or not a socket was watching. One queue shared by all replicas, so one
/// of them handles each result; the store's insert is idempotent, so redelivery and the socket's own write are harmless.
/// A job that ends is off the queue board too, even one no worker ever started (skipped because it was cancelled).
/// </summary>
public sealed class ReplyFinishedConsumer(QueueBoardWriter board, JobStore store) : IConsumer<ReplyFinished>
{
    public async Task Consume(ConsumeContext<ReplyFinished> context)
    {
        await board.RemoveAsync(context.Message.GenerationId);
        await store.SaveReplyAsync(context.Message, context.CancellationToken);
    }
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
