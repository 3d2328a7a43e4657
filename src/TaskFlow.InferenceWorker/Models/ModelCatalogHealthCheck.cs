using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.InferenceWorker.Models;

/// <summary>Ready once the models were probed and advertised, so a page never offers a catalog the worker has not checked.</summary>
public sealed class ModelCatalogHealthCheck(ModelAvailabilityMonitor monitor, ModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(monitor.FirstAdvertisement.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy($"default model: {registry.Default.Id}")
            : HealthCheckResult.Unhealthy("Models have not been probed and advertised yet (is Redis reachable?)."));
}
