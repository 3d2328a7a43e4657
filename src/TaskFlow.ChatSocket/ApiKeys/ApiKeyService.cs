using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Data;

namespace TaskFlow.ChatSocket.ApiKeys;

/// <summary>Creates, lists, revokes and checks personal API keys (<c>tf_</c> + 32 random bytes, base64url).</summary>
public sealed class ApiKeyService(ChatDbContext db, TimeProvider clock)
{
    public const string KeyPrefix = "tf_";
    public const int MaxKeysPerUser = 20;

    public async Task<(ApiKey Key, string Secret)?> CreateAsync(string userId, string name, CancellationToken cancellationToken)
    {
        if (await db.ApiKeys.CountAsync(k => k.UserId == userId && k.RevokedAt == null, cancellationToken) >= MaxKeysPerUser)
        {
            return null;
        }
        var secret = KeyPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name,
            Prefix = secret[..10],
            Hash = HashOf(secret),
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return (key, secret);
    }

    public Task<List<ApiKey>> ListAsync(string userId, CancellationToken cancellationToken) =>
        db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);

    public async Task<bool> RevokeAsync(string userId, Guid id, CancellationToken cancellationToken) =>
        await db.ApiKeys.Where(k => k.Id == id && k.UserId == userId && k.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(k => k.RevokedAt, clock.GetUtcNow()), cancellationToken) > 0;

    /// <summary>The owner of a valid, unrevoked key, or null.</summary>
    public async Task<string?> FindOwnerAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return null;
        }
        var hash = HashOf(secret);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Hash == hash && k.RevokedAt == null, cancellationToken);
        if (key is null)
        {
            return null;
        }
        // Coarse on purpose: one write per key per minute is plenty for "last used".
        if (key.LastUsedAt is null || clock.GetUtcNow() - key.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            key.LastUsedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
        }
        return key.UserId;
    }

    private static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
