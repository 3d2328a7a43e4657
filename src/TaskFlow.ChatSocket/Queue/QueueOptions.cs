using System.ComponentModel.DataAnnotations;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>How jobs reach RabbitMQ, and how a job it never confirmed is published again.</summary>
public sealed class QueueOptions : IValidatableObject
{
    public const string SectionName = "Queue";

    /// <summary>
    /// How long submitting waits for RabbitMQ to confirm a job. MassTransit waits for a broker that is down rather than
    /// failing, so without a bound the user would hear nothing; past it the job is left to the redispatcher.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A job stored this long ago and still not confirmed by RabbitMQ is published again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each replica looks for such jobs.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RedispatchInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most jobs one look publishes; the rest wait for the next.</summary>
    [Range(1, 10_000)]
    public int RedispatchBatchSize { get; set; } = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A publish still waiting for its confirmation would otherwise race the redispatcher's copy of the same job.
        if (RedispatchAfter <= PublishTimeout)
        {
            yield return new ValidationResult(
                $"Queue:RedispatchAfter ({RedispatchAfter}) must be longer than Queue:PublishTimeout ({PublishTimeout}).",
                [nameof(RedispatchAfter)]);
        }
    }
}
