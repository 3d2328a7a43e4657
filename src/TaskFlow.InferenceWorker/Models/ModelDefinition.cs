using System.ComponentModel.DataAnnotations;

namespace TaskFlow.InferenceWorker.Models;

/// <summary>One model a worker can call. Configured under <c>Models:Catalog</c> or derived from <c>ConnectionStrings:chat</c>.</summary>
public sealed class ModelDefinition
{
    /// <summary>The id clients choose and conversations store, e.g. "qwen3" or "openai/gpt-4o-mini".</summary>
    [Required]
    public string Id { get; set; } = "";

    public string? DisplayName { get; set; }

    public ModelProvider Provider { get; set; } = ModelProvider.Ollama;

    /// <summary>Base address: Ollama's root (http://host:11434) or an OpenAI-compatible API root ending in /v1.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The provider's own model name; defaults to <see cref="Id"/>.</summary>
    public string? Model { get; set; }

    public string? Key { get; set; }

    /// <summary>Calls per minute to this model across all workers; unset means <c>Inference:RateLimitPerMinute</c>.</summary>
    [Range(1, 1_000_000)]
    public int? RateLimitPerMinute { get; set; }

    /// <summary>
    /// Accept a stream that ends without a finish reason as a complete answer. Off by default, because that is how a
    /// crashed Ollama runner or a dropped connection looks; turn it on for an OpenAI-compatible server that never sends
    /// <c>finish_reason</c>.
    /// </summary>
    public bool AllowMissingFinishReason { get; set; }

    public string ProviderModelName => string.IsNullOrWhiteSpace(Model) ? Id : Model;

    public string Label => string.IsNullOrWhiteSpace(DisplayName) ? Id : DisplayName;
}
