using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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
    public static int? Get(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var raw = configuration[PortKey];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"{PortKey} is '{raw}': set Management__Port to a TCP port (1-65535) for /metrics and /health, or leave it unset.");
    }

    /// <summary>Listens on the management port too, besides the public URLs (<c>ASPNETCORE_URLS</c> or <c>HTTP_PORTS</c>).</summary>
    public static WebApplicationBuilder AddManagementPort(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Get(builder.Configuration) is not { } port)
        {
            return builder;
        }

        var urls = PublicUrls(builder.Configuration);
        // A platform that already listed it (an endpoint in ASPNETCORE_URLS) must not make Kestrel bind it twice.
        if (!urls.Any(url => BindingAddress.Parse(url).Port == port))
        {
            var host = BindingAddress.Parse(urls[0]).Host;
            urls.Add($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}");
        }
        builder.WebHost.UseUrls([.. urls]);
        return builder;
    }

    /// <summary>Whether the request arrived on the management port (the socket's own port, which no header can fake).</summary>
    public static bool IsManagementConnection(HttpContext context, int? managementPort) =>
        managementPort is { } port && context.Connection.LocalPort == port;

    private static List<string> PublicUrls(ConfigurationManager configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        static IEnumerable<string> Ports(string? ports, string scheme) =>
            (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}");
        var fromPorts = Ports(configuration[WebHostDefaults.HttpPortsKey], "http").Concat(Ports(configuration[WebHostDefaults.HttpsPortsKey], "https")).ToList();
        return fromPorts.Count > 0 ? fromPorts : ["http://localhost:5000"];
    }
}
