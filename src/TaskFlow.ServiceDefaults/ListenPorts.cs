using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>A port a service listens on besides its public URLs (<c>ASPNETCORE_URLS</c> or <c>HTTP_PORTS</c>).</summary>
internal static class ListenPorts
{
    /// <summary>The port under <paramref name="key"/>, or null; a value that is not a port stops the service at start-up.</summary>
    public static int? Get(IConfiguration configuration, string key, string purpose)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var raw = configuration[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"{key} is '{raw}': set {key.Replace(":", "__", StringComparison.Ordinal)} to a TCP port (1-65535) {purpose}, or leave it unset.");
    }

    /// <summary>Listens on <paramref name="port"/> too, on the interface of the first public URL.</summary>
    public static void Add(WebApplicationBuilder builder, int port)
    {
        var urls = PublicUrls(builder.Configuration);
        // A platform that already listed it (an endpoint in ASPNETCORE_URLS) must not make Kestrel bind it twice.
        if (!urls.Any(url => BindingAddress.Parse(url).Port == port))
        {
            var host = BindingAddress.Parse(urls[0]).Host;
            urls.Add($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}");
        }
        builder.WebHost.UseUrls([.. urls]);
    }

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
