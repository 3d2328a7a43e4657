using StackExchange.Redis;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// Redis failing under a running job (a restart, an outage) is not the model failing: it must not be retried, logged
/// or reported as a model error, but fail the attempt so the job is run again once Redis is back.
/// </summary>
public static class RedisFailure
{
    public static bool Is(Exception exception) => exception is RedisException or RedisTimeoutException;

    /// <summary>
    /// Redis is coming back: the connection dropped (a command on the wire when it went), or it answers but is still
    /// reading its append-only file ("LOADING", for a moment after a restart). Worth the same write again shortly.
    /// </summary>
    public static bool IsRestarting(Exception exception) =>
        exception is RedisConnectionException
        || exception is RedisServerException server && server.Message.StartsWith("LOADING", StringComparison.Ordinal);

    /// <summary>Waits between runs of a job that Redis failed: long enough in all for a restart or a failover.</summary>
    public static readonly TimeSpan[] RetryIntervals =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(15),
         TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)];
}
