namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// Browsers send cookies with cross-site WebSocket handshakes, so a foreign page could chat as the user:
/// only the page's own origin (the gateway's host, as forwarded) and configured origins may connect.
/// Clients without an Origin header are not browsers and carry no ambient cookie.
/// </summary>
public static class OriginPolicy
{
    public static bool IsAllowed(HttpRequest request, IReadOnlyCollection<string> allowedOrigins)
    {
        var origin = request.Headers.Origin.FirstOrDefault();
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri))
        {
            return false;
        }
        if (allowedOrigins.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        var host = request.Headers["X-Forwarded-Host"].FirstOrDefault()?.Split(',')[0].Trim() ?? request.Host.Value;
        return string.Equals(originUri.Authority, host, StringComparison.OrdinalIgnoreCase);
    }
}
