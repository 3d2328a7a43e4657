using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace TaskFlow.Gateway.Routing;

/// <summary>
/// The public surface of TaskFlow: which path goes to which service. Each cluster has one destination named by its
/// service (<c>http://chatsocket</c>), which Microsoft.Extensions.ServiceDiscovery.Yarp turns into one destination per
/// address in the <c>services:&lt;name&gt;:http:N</c> keys Aspire injects.
/// </summary>
internal static class GatewayRoutes
{
    public const string Web = "web";
    public const string ChatSocket = "chatsocket";
    public const string Telemetry = "telemetry";

    /// <summary>Idle limit for proxied sockets and event streams; the ChatSocket pings far more often than this.</summary>
    private static readonly TimeSpan LongLivedIdleTimeout = TimeSpan.FromMinutes(30);

    private static readonly (string RouteId, string Path, string Cluster)[] Table =
    [
        ("chat-socket", "/ws", ChatSocket),
        ("conversations", "/api/conversations/{**rest}", ChatSocket),
        ("models", "/api/models", ChatSocket),
        ("queue-submit", "/api/chat", ChatSocket),
        ("queue", "/api/queue/{**rest}", ChatSocket),
        ("jobs", "/api/jobs/{**rest}", ChatSocket),
        ("api-keys", "/api/keys/{**rest}", ChatSocket),
        ("job-status-stream", "/stream/{**rest}", ChatSocket),
        ("openai-compatible", "/v1/{**rest}", ChatSocket),
        ("chat-openapi", "/openapi/chatsocket.json", ChatSocket),
        ("stats", "/api/stats/{**rest}", Telemetry),
        ("pages", "/{**rest}", Web),
    ];

    public static IReadOnlyList<RouteConfig> Routes() =>
        [.. Table.Select((entry, index) => new RouteConfig
        {
            RouteId = entry.RouteId,
            ClusterId = entry.Cluster,
            // The catch-all for pages must lose against every specific route.
            Order = entry.Cluster == Web ? int.MaxValue : index,
            Match = new RouteMatch { Path = entry.Path },
            // Services build absolute URLs (sign-in redirects) and check Origin against the host the browser used.
            Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
        })];

    public static IReadOnlyList<ClusterConfig> Clusters(IConfiguration configuration) =>
        [.. new[] { Web, ChatSocket, Telemetry }.Select(name => Cluster(configuration, name))];

    /// <summary>The endpoint name under which a service offers cleartext HTTP/2 (<c>services:&lt;name&gt;:http2:N</c>).</summary>
    private const string Http2Endpoint = "http2";

    private static ClusterConfig Cluster(IConfiguration configuration, string name)
    {
        // A service that offers an HTTP/2 port (the AppHost gives ChatSocket one when it runs as one process) gets
        // everything there: its sockets and event streams then share a few connections instead of holding one each,
        // in the gateway and in the service. Never offered behind a balancer that spreads connections over replicas
        // (a Kubernetes Service, Aspire's proxy), where one connection would take a hundred sockets to one replica.
        var http2 = HasAddress(configuration, name, Http2Endpoint);
        return new ClusterConfig
        {
            ClusterId = name,
            HttpRequest = new ForwarderRequestConfig
            {
                ActivityTimeout = LongLivedIdleTimeout,
                Version = http2 ? HttpVersion.Version20 : null,
                VersionPolicy = http2 ? HttpVersionPolicy.RequestVersionExact : null,
            },
            // Replicas share nothing in memory (state is in PostgreSQL and Redis), so any one may take any request.
            LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
            HealthCheck = ReplicaHealth,
            Destinations = new Dictionary<string, DestinationConfig>
            {
                [name] = new() { Address = http2 ? $"http://_{Http2Endpoint}.{name}" : ServiceAddress(configuration, name) },
            },
        };
    }

    /// <summary>
    /// A replica that stops answering is left out until it answers again: a refused connection takes it out at once
    /// (passive), and a probe of its liveness endpoint brings it back. Liveness, not readiness: a replica whose
    /// database is away still accepts messages (they wait in its outbox), and every replica shares that database anyway.
    /// </summary>
    public static readonly TimeSpan PassiveHealthWindow = TimeSpan.FromSeconds(10);

    private static readonly HealthCheckConfig ReplicaHealth = new()
    {
        Active = new ActiveHealthCheckConfig
        {
            Enabled = true,
            Interval = TimeSpan.FromSeconds(5),
            Timeout = TimeSpan.FromSeconds(3),
            Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
            Path = "/alive",
        },
        Passive = new PassiveHealthCheckConfig
        {
            Enabled = true,
            Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
            ReactivationPeriod = PassiveHealthWindow,
        },
    };

    /// <summary>
    /// The service's name as an address for service discovery, which resolves it to every <c>services:&lt;name&gt;:http:N</c>
    /// address: one per replica when several are listed, one when a platform balances behind a single address (Aspire's
    /// proxy, a Kubernetes Service). Without any, discovery would fall back to DNS for the bare name and every request
    /// would fail; the gateway refuses to start instead, saying what to set.
    /// </summary>
    private static string ServiceAddress(IConfiguration configuration, string service) =>
        HasAddress(configuration, service, "http")
            ? $"http://{service}"
            : throw new InvalidOperationException(
                $"The gateway does not know where '{service}' is. Set services__{service}__http__0 (for example http://127.0.0.1:5101), " +
                $"and services__{service}__http__1 and so on for more replicas; the AppHost sets them.");

    private static bool HasAddress(IConfiguration configuration, string service, string endpoint) =>
        configuration.GetSection($"services:{service}:{endpoint}").GetChildren().Any(child => child.Value is { Length: > 0 });
}
