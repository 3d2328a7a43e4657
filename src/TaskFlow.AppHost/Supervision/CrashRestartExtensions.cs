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
        builder.LetTheProxyForgetAReplicaBeforeItStartsAgain();
        return builder;
    }

    /// <summary>How long DCP is given to remove a replica's old proxy endpoint; in the healthy restarts logged it took under 250 ms.</summary>
    private static readonly TimeSpan ProxyForgetTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// DCP fronts a replicated service with a proxy that routes to each replica's Endpoint object. A start of a replica
    /// that ran before (a crash restart, the dashboard's Start) deletes its Executable and creates it again under the
    /// same name. Created about 100 ms after the deletion, DCP still found the old Endpoint ("Endpoint(s) already exist
    /// for this workload and Service combination"), made no new one, then removed the old: the proxy sent the replica
    /// no connection again until its next restart (in the orchestrator's log of a failed run). Aspire raises
    /// BeforeResourceStartedEvent between the deletion and the creation and waits for its handlers, so a pause there,
    /// only for a replica that ran before, lets DCP finish removing the old Endpoint first.
    /// </summary>
    private static void LetTheProxyForgetAReplicaBeforeItStartsAgain(this IDistributedApplicationBuilder builder)
    {
        var started = false;
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((_, _) =>
        {
            Volatile.Write(ref started, true);
            return Task.CompletedTask;
        });
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(async (e, ct) =>
        {
            if (Volatile.Read(ref started) && e.Resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas > 1)
            {
                await Task.Delay(ProxyForgetTime, ct);
            }
        });
    }
}
