using StackExchange.Redis;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// One job may reach the queue as two messages: ChatSocket publishes again a job whose confirmation by RabbitMQ it
/// never recorded. The first message a worker takes claims the generation; another message for it is a duplicate and
/// is dropped, while the claiming message itself (redelivered after its worker died, or retried) may always go on.
/// Dropping is safe: the claiming message is either still unacknowledged, and so comes back if its worker dies, or done.
/// </summary>
public sealed class GenerationClaims(IConnectionMultiplexer redis)
{
    /// <summary>As long as a generation's stream can live, and no longer.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(3);

    public static string Key(Guid generationId) => $"taskflow:generation-claim:{generationId:N}";

    /// <summary>True when this message holds the claim (it took it now, or already had it).</summary>
    public async Task<bool> TryClaimAsync(Guid generationId, Guid messageId)
    {
        var database = redis.GetDatabase();
        var key = Key(generationId);
        var holder = messageId.ToString("N");
        await database.StringSetAsync(key, holder, Lifetime, When.NotExists);
        return await database.StringGetAsync(key) == holder;
    }
}
