using System.ComponentModel.DataAnnotations;

namespace TaskFlow.InferenceWorker.Models;

public sealed class ModelOptions
{
    public const string SectionName = "Models";

    /// <summary>Extra models besides the one in <c>ConnectionStrings:chat</c>.</summary>
    public List<ModelDefinition> Catalog { get; set; } = [];

    /// <summary>How often reachability is checked again, so a model server started later is picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Delay between the offline model's words, so its stream looks like a model's.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan OfflineTokenDelay { get; set; } = TimeSpan.FromMilliseconds(25);
}
