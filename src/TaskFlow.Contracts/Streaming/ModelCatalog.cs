namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// Workers advertise the models they can serve in a Redis hash (model id → JSON of <see cref="ModelAdvertisement"/>),
/// refreshed while they run, so the page can show what is really connected, including the offline fallback.
/// </summary>
public static class ModelCatalog
{
    public const string Key = "taskflow:models";

    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);
}

/// <summary>What a worker says about one model it serves.</summary>
public sealed record ModelAdvertisement(
    string Id,
    string DisplayName,
    string Provider,
    bool IsOffline,
    bool IsDefault,
    bool IsReachable,
    DateTimeOffset SeenAt);
