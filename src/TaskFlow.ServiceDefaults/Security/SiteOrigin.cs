using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Whether a browser request comes from the site's own pages. The site's origin is scheme, host and port as the browser
/// used them: the gateway forwards the host (<c>Host</c>, <c>X-Forwarded-Host</c>) and the scheme
/// (<c>X-Forwarded-Proto</c>, which YARP sets, overwriting whatever the client sent). Behind a TLS-terminating load
/// balancer, set <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> on the gateway so it forwards <c>https</c>.
/// </summary>
public static class SiteOrigin
{
    /// <summary>
    /// True when a browser sent the request from another site. Decided by <c>Origin</c>; when a browser left it out or
    /// sent <c>null</c> (an opaque origin: a form posted under <c>Referrer-Policy: no-referrer</c>, a sandboxed frame, a
    /// redirect), by <c>Sec-Fetch-Site</c>, then by <c>Referer</c>. A request with none of them is not from a browser
    /// (every current browser sends <c>Origin</c> with a POST, PATCH, DELETE or WebSocket handshake) and carries no
    /// ambient cookie, so it is not refused here: a program holding a copied cookie could send any header anyway. An
    /// opaque origin with nothing else to go by is refused.
    /// </summary>
    public static bool IsCrossSite(HttpRequest request, IReadOnlyCollection<string> allowedOrigins)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(allowedOrigins);
        var origin = request.Headers.Origin.FirstOrDefault();
        if (origin is { Length: > 0 } && origin != "null")
        {
            return !IsAllowed(origin, request, allowedOrigins);
        }
        if (request.Headers["Sec-Fetch-Site"].FirstOrDefault() is { Length: > 0 } fetchSite)
        {
            // "none": typed in the address bar or a bookmark. "same-site" is a sibling subdomain: another site here.
            return fetchSite is not ("same-origin" or "none");
        }
        if (request.Headers.Referer.FirstOrDefault() is { Length: > 0 } referer)
        {
            return !IsAllowed(referer, request, allowedOrigins);
        }
        return origin == "null";
    }

    /// <summary>The origin the browser used for this site, e.g. <c>http://localhost:5100</c>.</summary>
    public static string Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scheme = First(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
        var host = First(request.Headers["X-Forwarded-Host"]) ?? request.Host.Value ?? "";
        return Normalize($"{scheme}://{host}") ?? "";
    }

    /// <summary>Whether <paramref name="url"/> (an origin or a full address) has the site's or an allowed origin.</summary>
    private static bool IsAllowed(string url, HttpRequest request, IReadOnlyCollection<string> allowedOrigins)
    {
        if (Normalize(url) is not { } origin)
        {
            return false;
        }
        return string.Equals(origin, Of(request), StringComparison.Ordinal)
            || allowedOrigins.Any(allowed => string.Equals(Normalize(allowed), origin, StringComparison.Ordinal));
    }

    /// <summary>Scheme, host and port, lower case, the default port left out; null for anything but an http(s) address.</summary>
    private static string? Normalize(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    /// <summary>The first of a proxy chain's comma-separated values (the one the browser's side set).</summary>
    private static string? First(Microsoft.Extensions.Primitives.StringValues values) =>
        values.FirstOrDefault()?.Split(',')[0].Trim() is { Length: > 0 } first ? first : null;
}
