using MassTransit;
using Microsoft.Extensions.Options;
using TaskFlow.Contracts.Telemetry;
using TaskFlow.Telemetry.Data;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.Telemetry.Logging;

/// <summary>
/// Stores one inference log per model call, with personal data redacted before it reaches the database.
/// Idempotent on the generation id and attempt, so redelivery (a crash before the ack, a retry after a timeout) adds nothing.
/// </summary>
public sealed class InferenceCompletedConsumer(
    TelemetryDbContext db,
    PiiRedactor redactor,
    IOptions<TelemetryOptions> options,
    TelemetryMetrics metrics,
    ILogger<InferenceCompletedConsumer> logger) : IConsumer<InferenceCompleted>
{
    public async Task Consume(ConsumeContext<InferenceCompleted> context)
    {
        var found = new List<PiiMatch>();
        var log = InferenceLogFactory.Create(context.Message, redactor, options.Value, found);

        if (await db.TryAddInferenceLogAsync(log, context.CancellationToken))
        {
            metrics.Stored();
            metrics.Redacted(found);
        }
        else
        {
            metrics.Duplicate();
            logger.LogDebug("Generation {GenerationId} attempt {Attempt} was already logged; redelivery ignored", log.GenerationId, log.Attempt);
        }
    }
}

public sealed class InferenceCompletedConsumerDefinition : ConsumerDefinition<InferenceCompletedConsumer>
{
    public const string QueueName = "telemetry-inference-completed";

    public InferenceCompletedConsumerDefinition()
    {
        EndpointName = QueueName;
        // Each message holds a pooled DbContext while it runs; this keeps the pool and PostgreSQL unhurried.
        ConcurrentMessageLimit = 16;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<InferenceCompletedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // Rides out a PostgreSQL restart instead of dead-lettering logs: five more tries, 1 s to 60 s apart, each of
        // which also gets Npgsql's own transient-fault retries. The insert is idempotent, so retrying is always safe.
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(
            5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(2)));
}
