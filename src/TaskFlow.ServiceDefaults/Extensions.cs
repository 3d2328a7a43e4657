using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire service-defaults template, built from the plain OpenTelemetry, service discovery and
/// resilience packages so that every service behaves the same with or without an AppHost.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";

    /// <summary>Meters and activity sources of TaskFlow's own code; every service exports them.</summary>
    public const string TaskFlowTelemetryPrefix = "TaskFlow.*";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemResponses();
        builder.Services.AddCrossSiteProtection();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
        {
            // The AppHost and the test fixture name the service; a bare `dotnet run` still gets a useful name.
            telemetry.ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName));
        }
        telemetry
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter(TaskFlowTelemetryPrefix)
                .AddPrometheusNamingFixes()
                // No response cache: a scrape must show the state of now (Prometheus scrapes every 15 s anyway).
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing
                .AddProcessor(new BackgroundDatabaseSpanFilter())
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TaskFlowTelemetryPrefix)
                .AddSource("MassTransit")
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Probes and scrapes would drown the traces of real requests.
                    aspNetCore.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation());

        // OTLP only when an endpoint is configured (the Aspire dashboard, a collector); otherwise nothing is exported and nothing fails.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// The runtime's gauges named <c>*.count</c> come out as <c>*_count</c>, which Prometheus reserves for histograms and
    /// summaries (promtool rejects them); they are renamed on export, keeping their meaning.
    /// </summary>
    private static MeterProviderBuilder AddPrometheusNamingFixes(this MeterProviderBuilder metrics) => metrics
        .AddView("dotnet.assembly.count", new MetricStreamConfiguration { Name = "dotnet.assemblies.loaded" })
        .AddView("dotnet.process.cpu.count", new MetricStreamConfiguration { Name = "dotnet.process.cpus" })
        .AddView("dotnet.timer.count", new MetricStreamConfiguration { Name = "dotnet.timers.active" })
        // Npgsql's connections by state (idle, used), from the Aspire PostgreSQL integration.
        .AddView("db.client.connection.count", new MetricStreamConfiguration { Name = "db.client.connections" })
        // MassTransit records its durations in milliseconds, which Prometheus rejects as a unit; TaskFlow's own
        // queue_job_wait_seconds and llm_latency_seconds cover the same ground in seconds.
        .AddView("messaging.masstransit.*duration", MetricStreamConfiguration.Drop);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>, <c>/alive</c> and <c>/metrics</c>. With <c>Management:Port</c> set (see <see cref="ManagementPort"/>),
    /// <c>/health</c> and <c>/metrics</c> answer only there. <paramref name="isPublic"/> (the gateway, the one public
    /// endpoint): without a management port they are not served at all, rather than to the internet.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, bool isPublic = false)
    {
        // Called first by every service, so every later middleware and endpoint answers errors as problem details.
        app.UseProblemResponses();

        var managementPort = ManagementPort.Get(app.Configuration);
        if (isPublic || managementPort is not null)
        {
            if (isPublic && managementPort is null)
            {
                app.Logger.LogWarning("{Key} is not set: /metrics and /health are not served (only /alive is). Set Management__Port to scrape this service.", ManagementPort.PortKey);
            }
            app.Use((context, next) =>
            {
                if (IsOperatorPath(context.Request.Path) && !ManagementPort.IsManagementConnection(context, managementPort))
                {
                    // An empty 404, worded by the problem-details pages; nothing is forwarded, nothing is said about the port.
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }
                return next(context);
            });
        }

        // Mapped in every environment: the AppHost's WaitFor and Kubernetes probes need them.
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return app;
    }

    /// <summary>What only the operator may read: the metrics, and health with each dependency's state.</summary>
    private static bool IsOperatorPath(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(MetricsEndpointPath);

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath)
        || path.StartsWithSegments(AlivenessEndpointPath)
        || path.StartsWithSegments(MetricsEndpointPath);
}
