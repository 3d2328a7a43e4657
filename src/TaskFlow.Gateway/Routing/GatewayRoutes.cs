using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace TaskFlow.Gateway.Routing;

/// <summary>
/// The public surface of TaskFlow: which path goes to which service. Destinations come from the
/// <c>services:&lt;name&gt;:http:0</c> keys Aspire injects (Microsoft.Extensions.ServiceDiscovery.Yarp is not available here).
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
        [.. new[] { Web, ChatSocket, Telemetry }.Select(name => new ClusterConfig
        {
            ClusterId = name,
            HttpRequest = new ForwarderRequestConfig { ActivityTimeout = LongLivedIdleTimeout },
            Destinations = new Dictionary<string, DestinationConfig>
            {
                [name] = new() { Address = ResolveAddress(configuration, name) },
            },
        })];

    private static string ResolveAddress(IConfiguration configuration, string service) =>
        configuration[$"services:{service}:http:0"] is { Length: > 0 } address
            ? address
            : throw new InvalidOperationException(
                $"The gateway does not know where '{service}' is. Set services__{service}__http__0 (for example http://127.0.0.1:5101); " +
                "the AppHost and the local runner set it.");
}
