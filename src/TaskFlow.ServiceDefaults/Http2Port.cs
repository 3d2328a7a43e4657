using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A port that speaks only cleartext HTTP/2, for the gateway in front (<c>Http2:Port</c>; Aspire:
/// <c>WithHttpEndpoint(name: "http2", env: "Http2__Port")</c>). Over it the gateway carries many WebSockets and event
/// streams on one connection (RFC 8441), where the public port's HTTP/1.1 needs a connection, and so an open file in
/// both processes, per socket. Kestrel cannot tell HTTP/1.1 from cleartext HTTP/2 on one port, so this is a second one;
/// the public port stays as it was for browsers, probes and tools.
/// </summary>
public static class Http2Port
{
    public const string PortKey = "Http2:Port";

    /// <summary>What one socket may have in flight towards its session (a message up to the largest allowed takes two).</summary>
    private const int StreamWindowBytes = 64 * 1024;

    /// <summary>The configured port, or null; a value that is not a port stops the service at start-up.</summary>
    public static int? Get(IConfiguration configuration) => ListenPorts.Get(configuration, PortKey, "for the gateway's HTTP/2 connections");

    /// <summary>Listens on the HTTP/2 port too, when one is configured.</summary>
    public static WebApplicationBuilder AddHttp2Port(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Get(builder.Configuration) is not { } port)
        {
            return builder;
        }

        ListenPorts.Add(builder, port);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(endpoint =>
            {
                if (endpoint.IPEndPoint?.Port == port)
                {
                    endpoint.Protocols = HttpProtocols.Http2;
                }
            });
            // Only this port speaks HTTP/2. Each socket's stream may hold 64 KB its session has not read yet, and the
            // connection room for all of its streams' at once: one user flooding a socket fills its own window, never
            // the connection's, so the sockets that share it keep flowing (Kestrel's defaults, 768 KB a stream and
            // 1 MB a connection, let two busy streams stall the other 98).
            var http2 = kestrel.Limits.Http2;
            http2.InitialStreamWindowSize = StreamWindowBytes;
            http2.InitialConnectionWindowSize = StreamWindowBytes * http2.MaxStreamsPerConnection;
        });
        builder.Services.AddTransient<IStartupFilter, UnreadBodyDrain>();
        return builder;
    }

    /// <summary>
    /// Reads to its end, and drops, a request body that an answer left unread (a 401, a 413, a 429 to a large POST).
    /// Over HTTP/1.1 Kestrel does this itself. Over HTTP/2 it resets the stream instead, the gateway then stops reading
    /// its client's body mid-read and must close that connection; a client that sends its whole body before it reads
    /// (HttpClient, most SDKs) sees a broken connection instead of the answer (about one large request in ten measured).
    /// </summary>
    private sealed class UnreadBodyDrain : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextStep) =>
            {
                await nextStep(context);
                if (HasUnreadBody(context))
                {
                    await DrainAsync(context);
                }
            });
            next(app);
        };

        private static bool HasUnreadBody(HttpContext context) =>
            HttpProtocol.IsHttp2(context.Request.Protocol)
            && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            // A socket's stream is its body; a client waiting for "100 Continue" sends nothing after a final answer.
            && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true
            && !context.Request.Headers.Expect.Any(value => string.Equals(value, "100-continue", StringComparison.OrdinalIgnoreCase));

        private static async Task DrainAsync(HttpContext context)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                // Bounded by the request's body size limit, past which Kestrel ends the read with an error.
                while (await context.Request.Body.ReadAsync(chunk, context.RequestAborted) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException
                or Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                // The client went away, the body is over the limit, or the application left the reader unusable: the
                // stream is reset as it would have been without this.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }
}
