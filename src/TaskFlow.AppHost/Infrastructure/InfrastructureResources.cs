using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>What the infrastructure extensions share: the mode shown in the dashboard, and a resource's connection string for health checks.</summary>
internal static class InfrastructureResources
{
    /// <summary>The name of the one endpoint of each executable server, as Aspire names its containers' (<c>tcp</c>).</summary>
    public const string PrimaryEndpointName = "tcp";

    /// <summary>
    /// The server's one endpoint, on a port it listens on itself: no proxy process between it and the services, so every
    /// round trip of every service crosses one process and one copy less (on a 2-core virtual machine each is a thread
    /// wake-up). A restarted server binds the same port again. <c>TASKFLOW_*_PORT</c> fixes it
    /// (<see cref="Configuration.LocalRunExtensions.WithServerPort"/>).
    /// </summary>
    public static IResourceBuilder<T> WithDirectEndpoint<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEndpoints
    {
        var port = LocalServers.FreePort();
        return builder.WithEndpoint(name: PrimaryEndpointName, scheme: "tcp", port: port, targetPort: port, isProxied: false);
    }

    /// <summary>Shows <paramref name="mode"/> among the resource's properties on the dashboard.</summary>
    public static IResourceBuilder<T> WithInfrastructureMode<T>(this IResourceBuilder<T> builder, InfrastructureMode mode)
        where T : IResource
    {
        var text = mode == InfrastructureMode.Containers
            ? "Containers (a container runtime answered, or TaskFlow:Infrastructure=Containers)"
            : "Executables (no container runtime, or TaskFlow:Infrastructure=Executables)";
        return builder.OnBeforeResourceStarted((resource, e, _) =>
            e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(resource, s => s with
            {
                Properties = [.. s.Properties.Where(p => p.Name != InfrastructureModeDetection.PropertyName),
                    new ResourcePropertySnapshot(InfrastructureModeDetection.PropertyName, text)],
            }));
    }

    /// <summary>
    /// The resource's connection string once Aspire has it (its endpoints allocated), for a health check to use.
    /// Health checks run only after that event, as in Aspire's own Redis, PostgreSQL and RabbitMQ integrations.
    /// </summary>
    public static Func<string> ConnectionStringOnceAvailable<T>(this IDistributedApplicationBuilder builder, T resource)
        where T : IResourceWithConnectionString
    {
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, ct) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false));
        return () => connectionString ?? throw new InvalidOperationException($"The connection string of '{resource.Name}' is not available yet.");
    }
}
