using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.AppHost.Supervision;

/// <summary>Restarts a process of the app model that dies on its own, as Kubernetes or systemd would.</summary>
public static class CrashRestartExtensions
{
    /// <summary>
    /// Aspire starts projects and executables but leaves one that exits stopped (13.6 has no restart policy for them), so
    /// one crashed worker would stop answering until someone pressed Start in the dashboard. The AppHost watches the
    /// resources' states and starts a crashed one again, alone: its servers and the other services keep running.
    /// </summary>
    public static IDistributedApplicationBuilder RestartCrashedResources(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHostedService<CrashedResourceRestarter>();
        return builder;
    }
}
