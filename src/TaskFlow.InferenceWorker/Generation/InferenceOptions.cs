using System.ComponentModel.DataAnnotations;

namespace TaskFlow.InferenceWorker.Generation;

public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>Jobs one worker runs at once; more replicas add capacity.</summary>
    [Range(1, 256)]
    public int MaxConcurrentJobs { get; set; } = 3;

    /// <summary>Upper bound for one model call, however long the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "02:00:00")]
    public TimeSpan GenerationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Characters of prompt and answer sent to Telemetry as previews (redacted there).</summary>
    [Range(0, 4000)]
    public int PreviewLength { get; set; } = 500;
}
