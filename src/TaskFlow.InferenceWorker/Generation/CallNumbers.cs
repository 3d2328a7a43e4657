using StackExchange.Redis;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// Numbers a generation's model calls across every delivery of its job: a job run again after a worker died or Redis
/// went away continues at the next number instead of starting at 1, so each call keeps its own inference log (Telemetry
/// keys them by generation and number), while an event published twice still lands once.
/// </summary>
public sealed class CallNumbers(IConnectionMultiplexer redis)
{
    /// <summary>As long as a generation's stream can live.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(3);

    public static string Key(Guid generationId) => $"taskflow:generation-calls:{generationId:N}";

    public async Task<int> NextAsync(Guid generationId)
    {
        var database = redis.GetDatabase();
        var key = Key(generationId);
        // Both in one round trip: Redis runs them in order.
        var numbering = database.StringIncrementAsync(key);
        var expiring = database.KeyExpireAsync(key, Lifetime);
        await Task.WhenAll(numbering, expiring);
        return (int)await numbering;
    }

    /// <summary>The number <see cref="NextAsync"/> gave is not used (the job waits and comes back for it).</summary>
    public async Task GiveBackAsync(Guid generationId) =>
        await redis.GetDatabase().StringDecrementAsync(Key(generationId));
}
