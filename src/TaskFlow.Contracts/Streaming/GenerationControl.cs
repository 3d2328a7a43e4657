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

    /// <summary>What is published on <see cref="CancelChannel"/>: the generation and why it stops.</summary>
    public static string CancelMessage(Guid generationId, string reason) => $"{generationId:N}:{reason}";

    /// <returns>False for a message not in <see cref="CancelMessage"/>'s shape, which the listener ignores.</returns>
    public static bool TryParseCancelMessage(string? message, out Guid generationId, out string reason)
    {
        var separator = message?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        reason = separator > 0 ? message![(separator + 1)..] : "";
        generationId = Guid.Empty;
        return separator > 0 && reason.Length > 0 && Guid.TryParse(message.AsSpan(0, separator), out generationId);
    }
}
