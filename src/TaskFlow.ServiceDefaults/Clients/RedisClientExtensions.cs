using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>Stands in for Aspire.StackExchange.Redis: one shared multiplexer from <c>ConnectionStrings:redis</c>, plus a health check.</summary>
public static class RedisClientExtensions
{
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        var connectionString = builder.Configuration.GetRequiredConnectionString(connectionName);
        var options = ConfigurationOptions.Parse(connectionString);
        // Keep retrying in the background while Redis restarts instead of failing the caller for good.
        options.AbortOnConnectFail = false;
        // The default policy waits ConnectTimeout/2 (2.5 s) before each reconnect attempt, so a Redis that restarts in a
        // second is only reached after the commands held for it (5 s timeout) are nearly out of time; one missed attempt
        // fails them and every answer in flight is run again. Retrying from 250 ms reaches it about a heartbeat after it is back.
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
        options.ClientName ??= builder.Environment.ApplicationName;

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName,
            sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()),
            HealthStatus.Unhealthy,
            ["ready"]));
        return builder;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Redis is unreachable: check ConnectionStrings:redis and that redis-server runs.", ex);
            }
        }
    }
}
