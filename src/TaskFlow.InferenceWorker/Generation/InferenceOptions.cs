using System.ComponentModel.DataAnnotations;

namespace TaskFlow.InferenceWorker.Generation;

public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>Jobs one worker runs at once; more replicas add capacity.</summary>
    [Range(1, 256)]
    public int MaxConcurrentJobs { get; set; } = 3;

    /// <summary>
    /// Waiting jobs (throttled by a rate limit, or between retries) one worker holds without a slot; more wait in
    /// RabbitMQ until one of them goes back to the queue. Bounds the worker's memory, not its throughput.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxWaitingJobs { get; set; } = 100;

    /// <summary>Upper bound for one model call, however long the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "02:00:00")]
    public TimeSpan GenerationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries after the first attempt for transient failures (rate limited, unavailable, timeout, unknown).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; each further retry doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Calls per minute to one model unless the model sets its own limit (the queue demo's 10/min).</summary>
    [Range(1, 1_000_000)]
    public int RateLimitPerMinute { get; set; } = 10;

    public TimeSpan RetryDelay(int attempt) => RetryBaseDelay * Math.Pow(2, attempt - 1);

    /// <summary>
    /// Least time between two entries of one answer's tokens in its Redis stream: tokens that come sooner go together in
    /// the next entry, one notification, one socket frame. About two frames of a screen, far faster than anyone reads;
    /// zero writes each token at once unless a write is under way.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan TokenEntryInterval { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>
    /// How long an answer runs before its start is announced on the bus (the job's state, the queue board). One that ends
    /// sooner carries its start in its result: a message and a database write fewer per short answer. The jobs queued
    /// behind it see their positions move at most this much later; its own client sees the start at once, in the stream.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan StartAnnouncementDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Characters of prompt and answer sent to Telemetry as previews (redacted there).</summary>
    [Range(0, 4000)]
    public int PreviewLength { get; set; } = 500;
}
