using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Server-side sign-in sessions: the cookie holds only a random session key; the ticket (who, until when) lives in
/// Redis, where every service reads it and signing out deletes it, so a cookie copied before sign-out is worthless
/// after. Each key expires with its ticket. Redis is the store the Data Protection keys that open every cookie already
/// live in: a Redis that keeps its data (append-only file) keeps the sessions too; one that loses it has lost the keys
/// as well, and everyone signs in again either way.
/// </summary>
public sealed class RedisSessionStore(IConnectionMultiplexer redis, TimeProvider clock) : ITicketStore
{
    public const string KeyPrefix = "taskflow:session:";

    /// <summary>A ticket without an expiry (Identity always sets one) is kept no longer than the cookie's lifetime.</summary>
    private static readonly TimeSpan FallbackLifetime = TimeSpan.FromDays(14);

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        // 256 random bits: the key is the session, so it must not be guessable.
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await RenewAsync(key, ticket);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var lifetime = ticket.Properties.ExpiresUtc is { } expires ? expires - clock.GetUtcNow() : FallbackLifetime;
        if (lifetime <= TimeSpan.Zero)
        {
            return RemoveAsync(key);
        }
        return redis.GetDatabase().StringSetAsync(KeyPrefix + key, TicketSerializer.Default.Serialize(ticket), lifetime);
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var value = await redis.GetDatabase().StringGetAsync(KeyPrefix + key);
        return value.IsNullOrEmpty ? null : TicketSerializer.Default.Deserialize((byte[])value!);
    }

    public Task RemoveAsync(string key) => redis.GetDatabase().KeyDeleteAsync(KeyPrefix + key);
}
