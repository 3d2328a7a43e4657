using MassTransit;
using TaskFlow.Contracts.Chat;
using TaskFlow.Telemetry.Data;

namespace TaskFlow.Telemetry.Logging;

/// <summary>
/// A deleted conversation takes its words with it: the prompt and answer previews (and error texts) of its inference
/// logs are emptied. The rows stay, without any text, so latency and success figures do not change after the fact.
/// </summary>
public sealed class ConversationDeletedConsumer(
    TelemetryDbContext db,
    TelemetryMetrics metrics,
    ILogger<ConversationDeletedConsumer> logger) : IConsumer<ConversationDeleted>
{
    public async Task Consume(ConsumeContext<ConversationDeleted> context)
    {
        var deleted = context.Message;
        var scrubbed = await db.ScrubConversationAsync(deleted.ConversationId, deleted.UserId, deleted.DeletedAt, context.CancellationToken);
        metrics.Scrubbed(scrubbed);
        logger.LogInformation("Scrubbed the previews of {Count} inference log(s) of deleted conversation {ConversationId}", scrubbed, deleted.ConversationId);
    }
}

public sealed class ConversationDeletedConsumerDefinition : ConsumerDefinition<ConversationDeletedConsumer>
{
    public ConversationDeletedConsumerDefinition() => EndpointName = "telemetry-conversation-deleted";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ConversationDeletedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // A delete must not end in the error queue because PostgreSQL restarted: the scrub is idempotent, so retry it.
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(
            5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(2)));
}
