namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// How ChatSocket stops a generation, wherever it runs: it records the reason under <see cref="CancelledKey"/>
/// (so a job still in the queue is skipped when a worker takes it) and announces the id on <see cref="CancelChannel"/>
/// (so the worker running it cancels its token at once).
/// </summary>
public static class GenerationControl
{
    public const string CancelChannel = "taskflow:generation-cancel";

    /// <summary>The user sent a new message while the answer streamed.</summary>
    public const string ReasonInterrupted = "interrupted";

    /// <summary>The user pressed cancel.</summary>
    public const string ReasonCancelled = "cancelled";

    public static readonly TimeSpan CancelledKeyLifetime = TimeSpan.FromDays(1);

    public const string CancelledKeyFamily = "taskflow:generation-cancelled";

    public static string CancelledKey(Guid generationId) => $"{CancelledKeyFamily}:{generationId:N}";
}
