using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Redis through Aspire.StackExchange.Redis (one shared multiplexer, its health check and its OpenTelemetry tracing of
/// every command) on <c>ConnectionStrings:redis</c>, with the reconnect behaviour TaskFlow's restart tests rely on.
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
            settings => _ = settings.ConnectionString is { Length: > 0 }
                ? settings.ConnectionString
                : throw ConnectionStringExtensions.Missing(ConnectionName),
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
        return builder;
    }
}
