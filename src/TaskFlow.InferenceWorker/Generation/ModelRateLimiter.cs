using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.InferenceWorker.Models;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// A sliding one-minute window per model, shared by every worker through Redis, so adding replicas does not
/// multiply the calls a provider sees. A job that finds the window full waits (and says so in its stream).
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

    /// <summary>Waits for a call permit; <paramref name="onWait"/> is told each time the job has to wait.</summary>
    public async Task AcquireAsync(ModelEntry model, Func<TimeSpan, Task> onWait, CancellationToken cancellationToken)
    {
        if (model.IsOffline)
        {
            return; // Nothing remote to protect.
        }
        var key = new RedisKey($"taskflow:ratelimit:{model.Id}");
        var member = Guid.NewGuid().ToString("N");
        while (true)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var waitMs = (long)await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, [key],
                [now, (long)Window.TotalMilliseconds, LimitFor(model), member]);
            if (waitMs == 0)
            {
                return;
            }
            var wait = TimeSpan.FromMilliseconds(waitMs);
            await onWait(wait);
            await Task.Delay(wait, clock, cancellationToken);
        }
    }
}
