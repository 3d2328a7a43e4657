namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// The waiting jobs, in the order workers will take them, as a Redis sorted set, with each change announced so positions
/// can be pushed to clients as they change. ChatSocket alone writes it: a job goes on when it is queued, and off when
/// the worker's <c>GenerationStarted</c> or <c>ReplyFinished</c> arrives or the user stops it first. The score mirrors
/// RabbitMQ's order: higher priority first, then first come.
/// </summary>
public static class QueueBoard
{
    public const string WaitingKey = "taskflow:queue:waiting";
    public const string ChangedChannel = "taskflow:queue:changed";

    /// <summary>Lower scores are taken first.</summary>
    public static double Score(byte queuePriority, DateTimeOffset enqueuedAt) =>
        ((10 - queuePriority) * 1e13) + enqueuedAt.ToUnixTimeMilliseconds();

    public static string Member(Guid generationId) => generationId.ToString("N");
}
