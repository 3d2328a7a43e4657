using System.Text.Json;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Contracts.Text;

namespace TaskFlow.ChatSocket.Models;

/// <summary>Reads the models that running workers advertise; stale entries (no worker refreshed them) are left out.</summary>
public sealed class ModelCatalogReader(IConnectionMultiplexer redis, TimeProvider clock)
{
    public async Task<IReadOnlyList<ModelAdvertisement>> ListAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(ModelCatalog.Key);
        var cutoff = clock.GetUtcNow() - ModelCatalog.Freshness * 3;
        return [.. entries
            .Select(entry => JsonSerializer.Deserialize<ModelAdvertisement>(entry.Value.ToString()))
            .OfType<ModelAdvertisement>()
            .Where(model => model.SeenAt >= cutoff)
            .OrderByDescending(model => model.IsDefault).ThenBy(model => model.IsOffline).ThenBy(model => model.Id)];
    }

    /// <summary>The model a new conversation gets: the one asked for if a worker serves it, else the workers' default.</summary>
    public async Task<ModelChoice> ChooseAsync(string? requested)
    {
        var models = await ListAsync();
        if (!string.IsNullOrWhiteSpace(requested))
        {
            var match = models.FirstOrDefault(model => string.Equals(model.Id, requested, StringComparison.OrdinalIgnoreCase));
            return match is null
                ? ModelChoice.Unknown(requested, models)
                : ModelChoice.Found(match);
        }
        var fallback = models.FirstOrDefault(model => model.IsDefault) ?? (models.Count > 0 ? models[0] : null);
        return fallback is null ? ModelChoice.NoWorker() : ModelChoice.Found(fallback);
    }
}

public sealed record ModelChoice(ModelAdvertisement? Model, string? Error)
{
    public static ModelChoice Found(ModelAdvertisement model) => new(model, null);

    public static ModelChoice Unknown(string requested, IReadOnlyList<ModelAdvertisement> available) => new(null,
        $"Model '{Shorten(requested)}' is not available. Available: {(available.Count == 0 ? "none yet" : string.Join(", ", available.Select(m => m.Id)))}.");

    private static string Shorten(string requested) => requested.Length <= 80 ? requested : StorableText.Prefix(requested, 79) + "…";

    public static ModelChoice NoWorker() => new(null,
        "No inference worker is running, so no model can answer. Start TaskFlow.InferenceWorker and try again.");
}
