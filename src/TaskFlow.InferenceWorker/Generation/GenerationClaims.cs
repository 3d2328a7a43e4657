using System.Security.Cryptography;
using StackExchange.Redis;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// One job may reach the queue as several messages: ChatSocket publishes again a job whose confirmation by RabbitMQ it
/// never recorded, and a job that has to wait leaves the queue as one message and comes back as another (see
/// <see cref="JobParking"/>). The claim names the one message that holds the job; every other message for it is a
/// duplicate and is dropped. The holder itself (redelivered after its worker died, or retried) may always go on.
/// Dropping is safe: the holder is either still unacknowledged, and so comes back if its worker dies, or done.
/// </summary>
public sealed class GenerationClaims(IConnectionMultiplexer redis)
{
    /// <summary>As long as a generation's stream can live, and no longer.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(3);

    // Takes the claim when nobody holds it, keeps it when this message holds it, or takes it over from one of the
    // messages named after the id (the one this message was handed over from). 1: held by this message; 0: not.
    private const string TakeScript = """
        local holder = redis.call('GET', KEYS[1])
        if not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        if holder == ARGV[1] then
          return 1
        end
        for i = 3, #ARGV do
          if ARGV[i] ~= '' and holder == ARGV[i] then
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
          end
        end
        return 0
        """;

    public static string Key(Guid generationId) => $"taskflow:generation-claim:{generationId:N}";

    /// <summary>
    /// True when <paramref name="messageId"/> holds the claim: it took it now, already had it, or took it over from one
    /// of <paramref name="handedOverFrom"/>.
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid generationId, Guid messageId, params Guid[] handedOverFrom)
    {
        RedisValue[] arguments = [Id(messageId), (long)Lifetime.TotalMilliseconds, .. handedOverFrom.Select(Id)];
        return (long)await redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [Key(generationId)], arguments) == 1;
    }

    public async Task<bool> IsHeldByAsync(Guid generationId, Guid messageId) =>
        await redis.GetDatabase().StringGetAsync(Key(generationId)) == Id(messageId);

    /// <summary>
    /// The id of the message a job is parked as when it leaves <paramref name="messageId"/>: derived, not random, so a
    /// redelivery of <paramref name="messageId"/> recognises a hand-over its worker began but may not have finished.
    /// </summary>
    public static Guid ParkedId(Guid messageId)
    {
        Span<byte> bytes = stackalloc byte[16];
        messageId.TryWriteBytes(bytes);
        return new Guid(SHA256.HashData(bytes)[..16]);
    }

    private static RedisValue Id(Guid id) => id.ToString("N");
}
