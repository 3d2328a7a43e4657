using TaskFlow.Gateway.Routing;
using Yarp.ReverseProxy.Health;

namespace TaskFlow.Gateway.Extensions;

internal static class GatewayExtensions
{
    public static void AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromMemory(GatewayRoutes.Routes(), GatewayRoutes.Clusters(builder.Configuration))
            .AddServiceDiscoveryDestinationResolver();
        // A replica that refused connections is left out until this window has passed; YARP's default, a minute, is long
        // after a restarted replica is back.
        builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(options => options.DetectionWindowSize = GatewayRoutes.PassiveHealthWindow);
    }

    /// <summary>Request ids for support questions and the usual browser hardening headers on everything the gateway serves.</summary>
    public static void UseGatewayHeaders(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var requestId = context.Request.Headers["X-Request-Id"].FirstOrDefault() is { Length: > 0 and <= 128 } given
                ? given
                : context.TraceIdentifier;
            context.Request.Headers["X-Request-Id"] = requestId;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers["X-Request-Id"] = requestId;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                // Nothing to other sites; to this one, a form's POST keeps its real Origin (under no-referrer it is
                // "null"), which the services' cross-site check compares.
                headers["Referrer-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                return Task.CompletedTask;
            });
            await next(context);
        });
    }
}
