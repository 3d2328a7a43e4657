using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A second port for the operator: <c>/metrics</c> and <c>/health</c> (with each dependency's state) answer there and
/// not on the public one, while <c>/alive</c>, the load balancer's liveness probe, answers everywhere. Set
/// <c>Management:Port</c> (Aspire: <c>WithHttpEndpoint(name: "management", env: "Management__Port")</c>); the port
/// listens on the same interface as the public endpoint, so keep it out of the load balancer and the firewall's openings.
/// </summary>
public static class ManagementPort
{
    public const string PortKey = "Management:Port";

    /// <summary>The configured port, or null; a value that is not a port stops the service at start-up.</summary>
    public static int? Get(IConfiguration configuration) => ListenPorts.Get(configuration, PortKey, "for /metrics and /health");

    /// <summary>Listens on the management port too, besides the public URLs (<c>ASPNETCORE_URLS</c> or <c>HTTP_PORTS</c>).</summary>
    public static WebApplicationBuilder AddManagementPort(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Get(builder.Configuration) is { } port)
        {
            ListenPorts.Add(builder, port);
        }
        return builder;
    }

    /// <summary>Whether the request arrived on the management port (the socket's own port, which no header can fake).</summary>
    public static bool IsManagementConnection(HttpContext context, int? managementPort) =>
        managementPort is { } port && context.Connection.LocalPort == port;
}
