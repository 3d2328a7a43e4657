using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.AppHost.Infrastructure;

namespace TaskFlow.AppHost.Configuration;

/// <summary>Applies <see cref="LocalRunSettings"/> to the app model.</summary>
public static class LocalRunExtensions
{
    /// <summary>
    /// Fixes the port Redis, PostgreSQL or RabbitMQ answers on (the services reach it there); unset, a free one (the
    /// executables) or Aspire's (the containers). For a database, its server's port.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> WithServerPort(
        this IResourceBuilder<IResourceWithConnectionString> builder, int? port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (port is null)
        {
            return builder;
        }

        var server = builder.Resource is IResourceWithParent child ? child.Parent : builder.Resource;
        var endpoint = server.Annotations.OfType<EndpointAnnotation>().SingleOrDefault(e => e.Name == InfrastructureResources.PrimaryEndpointName)
            ?? throw new InvalidOperationException($"'{server.Name}' has no '{InfrastructureResources.PrimaryEndpointName}' endpoint.");
        endpoint.Port = port;
        if (!endpoint.IsProxied)
        {
            endpoint.TargetPort = port;
        }
        return builder;
    }

    /// <summary>
    /// The service's replicas (<c>TASKFLOW_REPLICAS</c>) and the service configuration given to the AppHost. Added after
    /// Aspire's own environment (the OTLP settings), so a trace sampler given to the AppHost replaces its <c>always_on</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLocalRunSettings(this IResourceBuilder<ProjectResource> builder, LocalRunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.IsReplicated(builder.Resource.Name, out var replicas))
        {
            // One address (services__<name>__http__0) behind Aspire's proxy, which spreads connections over the replicas.
            builder.WithReplicas(replicas);
        }

        return builder.WithEnvironment(context =>
        {
            foreach (var (key, value) in settings.ServiceConfiguration)
            {
                context.EnvironmentVariables[key] = value;
            }
        });
    }

    /// <summary>
    /// A service the gateway forwards to, run once: it listens on its port itself rather than behind the AppHost's
    /// proxy, one process and one copy less on every request and every frame of every socket (the proxy is only needed
    /// to spread connections over replicas). The port is its launch profile's (what deploy/prometheus scrapes), or a
    /// free one where Aspire is asked for random ports (the test stacks, several at once). A restarted service binds
    /// it again. Deployments are unchanged.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDirectEndpointWhenSingle(this IResourceBuilder<ProjectResource> builder, LocalRunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var app = builder.ApplicationBuilder;
        if (app.ExecutionContext.IsRunMode && !settings.IsReplicated(builder.Resource.Name, out _))
        {
            var random = app.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
            builder.WithEndpoint("http", endpoint =>
                endpoint.ListenDirectlyOn(endpoint.Port is { } profilePort && !random ? profilePort : LocalServers.FreePort()));
        }
        return builder;
    }

    /// <summary>
    /// A service run once also gets a port that speaks only cleartext HTTP/2 (<c>Http2__Port</c>, the endpoint
    /// <c>http2</c>), on which the gateway carries all its sockets and event streams over a few connections: without
    /// it, every open socket is an open file in the gateway and another in the service, and a machine whose processes
    /// may open 20,000 files holds fewer than 10,000 sockets. Replicated, there is none: Aspire's proxy spreads
    /// connections over the replicas, and one connection would then take a hundred sockets to the same replica.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHttp2EndpointWhenSingle(this IResourceBuilder<ProjectResource> builder, LocalRunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        if (builder.ApplicationBuilder.ExecutionContext.IsRunMode && !settings.IsReplicated(builder.Resource.Name, out _))
        {
            var port = LocalServers.FreePort();
            builder.WithHttpEndpoint(port: port, targetPort: port, name: "http2", env: "Http2__Port", isProxied: false)
                .WithEndpoint("http2", endpoint => endpoint.Transport = "http2");
        }
        return builder;
    }

    /// <summary>
    /// The gateway's public port (<c>TASKFLOW_PORT</c>; else its launch profile's, behind the AppHost's proxy) and its
    /// management port.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGatewayPorts(this IResourceBuilder<ProjectResource> builder, LocalRunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.GatewayPort is { } port)
        {
            // A port of its own needs no proxy in front: the gateway listens on it itself, one process (and one copy of
            // every frame) less between a person and the chat, and two open files per socket less in the proxy, whose
            // per-process limit would otherwise cap the sockets a machine holds. A restarted gateway binds it again.
            builder.WithEndpoint("http", endpoint => endpoint.ListenDirectlyOn(port));
        }

        return builder.WithHttpEndpoint(name: "management", port: settings.ManagementPort, env: "Management__Port");
    }

    /// <summary>The service listens on <paramref name="port"/> itself: no AppHost proxy in front of it.</summary>
    private static void ListenDirectlyOn(this EndpointAnnotation endpoint, int port)
    {
        endpoint.Port = port;
        endpoint.TargetPort = port;
        endpoint.IsProxied = false;
    }

    /// <summary>
    /// Once the gateway and <paramref name="others"/> (e.g. the worker, which the gateway does not wait for) are healthy,
    /// says where the chat and the dashboard are: Aspire's own login line scrolls away under the start-up logs. Until
    /// then, says every 30 s (<c>TaskFlow:StartupProgressInterval</c>) what it still waits for.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AnnounceWhenReady(this IResourceBuilder<ProjectResource> gateway, params IResource[] others)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(others);
        IResource[] awaited = [gateway.Resource, .. others];
        var pending = awaited.Length;
        StartupProgress? progress = null;
        var interval = StartupProgress.Interval(gateway.ApplicationBuilder.Configuration);
        gateway.ApplicationBuilder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            progress = new StartupProgress(e.Model, e.Services.GetRequiredService<ResourceNotificationService>(),
                e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow"), interval);
            progress.Start(e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            return Task.CompletedTask;
        });
        foreach (var resource in awaited)
        {
            gateway.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(resource, (e, _) =>
            {
                if (Interlocked.Decrement(ref pending) == 0)
                {
                    progress?.Announced();
                    Announce(gateway, e.Services);
                }

                return Task.CompletedTask;
            });
        }

        return gateway;
    }

    private static void Announce(IResourceBuilder<ProjectResource> gateway, IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var dashboard = DashboardUrl(services.GetRequiredService<DistributedApplicationModel>())
            ?? (configuration["ASPNETCORE_URLS"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var token = configuration["AppHost:BrowserToken"];
        var login = dashboard is null ? "not running"
            : token is { Length: > 0 } ? $"{dashboard.TrimEnd('/')}/login?t={token}"
            : dashboard;
        var chat = gateway.GetEndpoint("http").Url.TrimEnd('/') + "/";
        services.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow").LogInformation(
            "TaskFlow is running.\n      Chat:      {ChatUrl}\n      Dashboard: {DashboardLoginUrl}\n      Ctrl-C stops everything.", chat, login);
    }

    /// <summary>
    /// Where the dashboard really listens: its allocated endpoint, which differs from <c>ASPNETCORE_URLS</c> when DCP
    /// chooses the ports (<c>DcpPublisher:RandomizePorts</c>, as tests do). Null without a dashboard.
    /// </summary>
    private static string? DashboardUrl(DistributedApplicationModel model)
    {
        var endpoints = model.Resources.FirstOrDefault(r => r.Name == DashboardResourceName)?.Annotations.OfType<EndpointAnnotation>()
            .Where(e => e.AllocatedEndpoint is not null && e.UriScheme is "http" or "https")
            .ToList() ?? [];
        // Plain http first, as the printed link has always been: it needs no certificate.
        var endpoint = endpoints.FirstOrDefault(e => e.UriScheme == "http") ?? endpoints.FirstOrDefault();
        return endpoint?.AllocatedEndpoint?.UriString;
    }

    /// <summary>The name Aspire gives its dashboard resource.</summary>
    private const string DashboardResourceName = "aspire-dashboard";
}
