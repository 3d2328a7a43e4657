using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.InferenceWorker.Models;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// A sliding one-minute window per model, shared by every worker through Redis, so adding replicas does not
/// multiply the calls a provider sees. A job that finds the window full waits without its slot (see <see cref="JobParking"/>).
/// The offline model is exempt: it answers inside the worker, so there is no provider to protect.
/// </summary>
public sealed class ModelRateLimiter(IConnectionMultiplexer redis, IOptions<InferenceOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // Trim the window, take a slot if one is free (0), else answer how many ms until the oldest call leaves it.
    private const string AcquireScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
        if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
          redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 0
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
        """;

    public int LimitFor(ModelEntry model) => model.Definition.RateLimitPerMinute ?? options.Value.RateLimitPerMinute;

    /// <summary>Takes a call permit and returns zero, or returns how long until one is free.</summary>
    public async Task<TimeSpan> TryAcquireAsync(ModelEntry model)
    {
        if (model.IsOffline)
        {
            return TimeSpan.Zero;
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var waitMs = (long)await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, [new RedisKey($"taskflow:ratelimit:{model.Id}")],
            [now, (long)Window.TotalMilliseconds, LimitFor(model), Guid.NewGuid().ToString("N")]);
        return TimeSpan.FromMilliseconds(waitMs);
    }
}
