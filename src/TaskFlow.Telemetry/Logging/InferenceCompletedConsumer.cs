using MassTransit;
using Microsoft.Extensions.Options;
using TaskFlow.Contracts.Telemetry;
using TaskFlow.Telemetry.Data;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.Telemetry.Logging;

/// <summary>
/// Stores one inference log per model call, with personal data redacted before it reaches the database.
/// Idempotent on the generation id and attempt, so redelivery (a crash before the ack, a retry after a timeout) adds nothing.
/// The calls come in batches (<see cref="InferenceCompletedConsumerDefinition"/>): a busy Telemetry stores many logs in
/// one transaction, an idle one each log within a moment.
/// </summary>
public sealed class InferenceCompletedConsumer(
    TelemetryDbContext db,
    PiiRedactor redactor,
    IOptions<TelemetryOptions> options,
    TelemetryMetrics metrics,
    ILogger<InferenceCompletedConsumer> logger) : IConsumer<Batch<InferenceCompleted>>
{
    public async Task Consume(ConsumeContext<Batch<InferenceCompleted>> context)
    {
        var logs = new List<(InferenceLog Log, List<PiiMatch> Found)>(context.Message.Length);
        foreach (var completed in context.Message)
        {
            var found = new List<PiiMatch>();
            logs.Add((InferenceLogFactory.Create(completed.Message, redactor, options.Value, found), found));
        }

        var inserted = await db.TryAddInferenceLogsAsync(logs.ConvertAll(l => l.Log), context.CancellationToken);
        foreach (var (log, found) in logs)
        {
            // A copy of a call twice in one batch counts once as stored, then as a duplicate.
            if (inserted.Remove((log.GenerationId, log.Attempt)))
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
}

public sealed class InferenceCompletedConsumerDefinition : ConsumerDefinition<InferenceCompletedConsumer>
{
    public const string QueueName = "telemetry-inference-completed";

    public InferenceCompletedConsumerDefinition() => EndpointName = QueueName;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<InferenceCompletedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Up to 100 logs a transaction, gathered for at most 50 ms from the first: a log is not waited for by anyone,
        // and two batches at once hold two pooled DbContexts, which keeps the pool and PostgreSQL unhurried.
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(ms: 50).SetConcurrencyLimit(2));
        // Rides out a PostgreSQL restart instead of dead-lettering logs: five more tries, 1 s to 60 s apart, each of
        // which also gets Npgsql's own transient-fault retries. The insert is idempotent, so retrying is always safe.
        // A message tried again comes back as a batch of its own.
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(
            5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(2)));
    }
}
