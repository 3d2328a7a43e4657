using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.InferenceWorker.Models;

/// <summary>
/// Probes each model server now and then and advertises the catalog in Redis, so the page shows what is really
/// connected, and a model server started after the worker is picked up without a restart.
/// </summary>
public sealed class ModelAvailabilityMonitor(
    ModelRegistry registry,
    IHttpClientFactory httpClients,
    IConnectionMultiplexer redis,
    IOptions<ModelOptions> options,
    ILogger<ModelAvailabilityMonitor> logger) : BackgroundService
{
    public const string ProbeHttpClient = "model-probe";

    private readonly TaskCompletionSource _firstAdvertisement = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _announcedDefault;

    /// <summary>Done once the catalog was probed and advertised: until then the worker is not ready.</summary>
    public Task FirstAdvertisement => _firstAdvertisement.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ProbeInterval);
        do
        {
            await ProbeAllAsync(stoppingToken);
            AnnounceDefaultIfChanged();
            if (await AdvertiseAsync())
            {
                _firstAdvertisement.TrySetResult();
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ProbeAllAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in registry.Models.Where(entry => !entry.IsOffline))
        {
            var reachable = await IsReachableAsync(entry.Definition, cancellationToken);
            if (reachable != entry.IsReachable)
            {
                logger.LogInformation("Model {Model} ({Provider} at {Endpoint}) is now {State}",
                    entry.Id, entry.ProviderName, entry.Definition.Endpoint, reachable ? "reachable" : "unreachable");
            }
            entry.IsReachable = reachable;
        }
    }

    private async Task<bool> IsReachableAsync(ModelDefinition definition, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ProbeTimeout);
        try
        {
            var probe = definition.Provider == ModelProvider.OpenAI
                ? new Uri(definition.Endpoint!.ToString().TrimEnd('/') + "/models")
                : definition.Endpoint!;
            using var response = await httpClients.CreateClient(ProbeHttpClient).GetAsync(probe, timeout.Token);
            // Any HTTP answer means a server is there; a wrong key or model shows up as a classified error later.
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void AnnounceDefaultIfChanged()
    {
        var current = registry.Default;
        if (current.Id == _announcedDefault)
        {
            return;
        }
        _announcedDefault = current.Id;
        if (current.IsOffline)
        {
            logger.LogWarning(
                "No model server is reachable: answering with the built-in OFFLINE model, which is not an AI. " +
                "Start Ollama or set ConnectionStrings__chat to an OpenAI-compatible endpoint.");
        }
        else
        {
            logger.LogInformation("Default model: {Model} via {Provider}", current.Id, current.ProviderName);
        }
    }

    private async Task<bool> AdvertiseAsync()
    {
        var defaultId = registry.Default.Id;
        var now = DateTimeOffset.UtcNow;
        var fields = registry.Models
            .Select(entry => new HashEntry(entry.Id, JsonSerializer.Serialize(new ModelAdvertisement(
                entry.Id, entry.Definition.Label, entry.ProviderName, entry.IsOffline, entry.Id == defaultId, entry.IsReachable, now))))
            .ToArray();
        try
        {
            await redis.GetDatabase().HashSetAsync(ModelCatalog.Key, fields);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            logger.LogWarning("Could not advertise models in Redis ({Message}); retrying at the next probe", ex.Message);
            return false;
        }
    }
}
