using TaskFlow.Gateway.Routing;

namespace TaskFlow.Gateway.Extensions;

internal static class GatewayExtensions
{
    public static void AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromMemory(GatewayRoutes.Routes(), GatewayRoutes.Clusters(builder.Configuration));
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
                headers["Referrer-Policy"] = "no-referrer";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                return Task.CompletedTask;
            });
            await next(context);
        });
    }
}
