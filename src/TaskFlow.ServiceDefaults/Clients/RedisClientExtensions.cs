using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Redis through Aspire.StackExchange.Redis (one shared multiplexer and its health check) on <c>ConnectionStrings:redis</c>,
/// with the reconnect behaviour TaskFlow's restart tests rely on, and a span for each command a request or a job makes.
/// </summary>
public static class RedisClientExtensions
{
    public const string ConnectionName = "redis";

    /// <summary>The name Aspire.StackExchange.Redis gives its health check (one unkeyed client per service).</summary>
    public const string HealthCheckName = "StackExchange.Redis";

    public static IHostApplicationBuilder AddTaskFlowRedisClient(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(
            ConnectionName,
            settings =>
            {
                _ = settings.ConnectionString is { Length: > 0 }
                    ? settings.ConnectionString
                    : throw ConnectionStringExtensions.Missing(ConnectionName);
                // The instrumentation compiled into the integration cannot be configured; the same one is added below.
                settings.DisableTracing = true;
            },
            options =>
            {
                // Keep retrying in the background while Redis restarts instead of failing the caller for good (Aspire's
                // default too; set here so that no ConfigurationOptions setting can turn it off).
                options.AbortOnConnectFail = false;
                // The default policy waits ConnectTimeout/2 (2.5 s) before each reconnect attempt, so a Redis that restarts in a
                // second is only reached after the commands held for it (5 s timeout) are nearly out of time; one missed attempt
                // fails them and every answer in flight is run again. Retrying from 250 ms reaches it about a heartbeat after it is back.
                options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
                options.ClientName ??= builder.Environment.ApplicationName;
            });
        builder.Services.TagHealthCheck(HealthCheckName, HealthTags.Ready);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation(redis =>
        {
            // A command outside any span (model probes, lease renewals, the redispatcher's scans, every token's append and
            // read: TokenPathTracing) would be a one-span trace of its own, burying the chat turns in the dashboard's list.
            redis.Filter = command => command.ParentActivity is not null;
            // Three events per command (queued, sent, answered) tripled what a turn's Redis spans cost to export and to
            // store; the span's own start and end are enough to see a slow command.
            redis.EnrichActivityWithTimingEvents = false;
        }));
        return builder;
    }
}
