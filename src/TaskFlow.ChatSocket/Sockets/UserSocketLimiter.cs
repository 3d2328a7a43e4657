using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.ChatSocket.Conversations;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// Bounds the sockets one user holds open across every ChatSocket replica (<see cref="ChatOptions.MaxSocketsPerUser"/>):
/// each open socket is a member of the user's sorted set in Redis, scored by when its lease runs out. A replica that
/// dies without closing its sockets leaves members that expire after <see cref="LeaseTime"/>, so a crash never locks
/// a user out for long.
/// </summary>
public sealed class UserSocketLimiter(IConnectionMultiplexer redis, IOptions<ChatOptions> options, TimeProvider clock, ILogger<UserSocketLimiter> logger)
{
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(90);

    private static readonly LuaScript Acquire = LuaScript.Prepare("""
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', @now)
        if redis.call('ZCARD', @key) >= tonumber(@limit) then return 0 end
        redis.call('ZADD', @key, @expires, @member)
        redis.call('PEXPIRE', @key, @ttl)
        return 1
        """);

    /// <summary>A lease for one more socket, or null when the user already holds as many as allowed.</summary>
    public async Task<SocketLease?> TryAcquireAsync(string userId)
    {
        var key = (RedisKey)$"taskflow:user-sockets:{userId}";
        var member = Guid.NewGuid().ToString("N");
        try
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var granted = (int)await redis.GetDatabase().ScriptEvaluateAsync(Acquire, new
            {
                key,
                now,
                limit = options.Value.MaxSocketsPerUser,
                expires = now + (long)LeaseTime.TotalMilliseconds,
                member,
                ttl = (long)LeaseTime.TotalMilliseconds,
            });
            return granted == 1 ? new SocketLease(redis, key, member, clock, logger) : null;
        }
        catch (RedisException ex)
        {
            // Counting needs Redis; refusing everyone while it is away would turn a bound into an outage.
            logger.LogWarning("Counting {UserId}'s sockets failed, so this one is let in uncounted: {Message}", userId, ex.Message);
            return SocketLease.Uncounted;
        }
    }
}

/// <summary>Keeps one socket counted while it is open (renewing the lease) and uncounts it when disposed.</summary>
public sealed class SocketLease : IAsyncDisposable
{
    public static readonly SocketLease Uncounted = new();

    private readonly IConnectionMultiplexer? _redis;
    private readonly RedisKey _key;
    private readonly RedisValue _member;
    private readonly ITimer? _renewal;

    private SocketLease()
    {
    }

    internal SocketLease(IConnectionMultiplexer redis, RedisKey key, RedisValue member, TimeProvider clock, ILogger logger)
    {
        _redis = redis;
        _key = key;
        _member = member;
        var period = UserSocketLimiter.LeaseTime / 3;
        _renewal = clock.CreateTimer(_ => _ = RenewAsync(clock, logger), null, period, period);
    }

    private async Task RenewAsync(TimeProvider clock, ILogger logger)
    {
        try
        {
            var expires = clock.GetUtcNow().Add(UserSocketLimiter.LeaseTime).ToUnixTimeMilliseconds();
            await _redis!.GetDatabase().SortedSetAddAsync(_key, _member, expires, SortedSetWhen.Exists);
        }
        catch (RedisException ex)
        {
            logger.LogDebug("Renewing a socket lease failed; the next renewal tries again: {Message}", ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is null)
        {
            return;
        }
        await _renewal!.DisposeAsync();
        try
        {
            await _redis.GetDatabase().SortedSetRemoveAsync(_key, _member);
        }
        catch (RedisException)
        {
            // The lease runs out by itself.
        }
    }
}
