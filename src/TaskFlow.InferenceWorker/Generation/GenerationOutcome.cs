using TaskFlow.Contracts.Chat;
using TaskFlow.InferenceWorker.Models;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>What one model call produced, for the stream's end entry, the chat result and the inference record.</summary>
internal sealed record GenerationOutcome(
    string Status,
    string Content,
    int TokenCount,
    long? InputTokens,
    long? OutputTokens,
    ModelError? Error,
    string? ErrorDetail,
    DateTimeOffset StartedAt,
    long LatencyMs,
    long? TimeToFirstTokenMs)
{
    /// <summary>Which model call of the generation this was, counted across retries and redeliveries (see <see cref="CallNumbers"/>).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The model was called (a job whose model is unknown ends without a call).</summary>
    public bool CalledModel { get; init; }

    /// <summary>For a completed answer: "stop", or "length" when the token limit cut it.</summary>
    public string? FinishReason { get; init; }

    public static GenerationOutcome Failed(ModelError error, ModelEntry? model) =>
        new(GenerationStatus.Failed, "", 0, null, null, error, model is null ? "unknown model" : null, DateTimeOffset.UtcNow, 0, null);
}
