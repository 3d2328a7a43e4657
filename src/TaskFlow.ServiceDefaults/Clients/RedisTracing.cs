using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Client spans for the Redis commands a chat turn depends on, following the OpenTelemetry database conventions
/// (<c>db.system.name</c>, <c>db.operation.name</c>, <c>server.address</c>). The StackExchange.Redis instrumentation
/// package is not in every feed, and it would trace every token append of every answer; TaskFlow's code marks the
/// commands worth seeing instead.
/// </summary>
public static class RedisTracing
{
    public const string ActivitySourceName = "TaskFlow.Redis";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    /// <param name="operation">The Redis command, e.g. <c>XADD</c>.</param>
    /// <param name="target">The key family, never a key with an id in it, so span names stay few.</param>
    public static async Task TraceAsync(this IConnectionMultiplexer redis, string operation, string target, Func<Task> command,
        IEnumerable<KeyValuePair<string, object?>>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(command);
        using var activity = Start(redis, operation, target, tags);
        try
        {
            await command();
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Message).SetTag("error.type", ex.GetType().FullName);
            throw;
        }
    }

    private static Activity? Start(IConnectionMultiplexer redis, string operation, string target, IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        var activity = Source.StartActivity($"{operation} {target}", ActivityKind.Client);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }

        activity.SetTag("db.system.name", "redis").SetTag("db.operation.name", operation);
        switch (redis.GetEndPoints().FirstOrDefault())
        {
            case DnsEndPoint dns:
                activity.SetTag("server.address", dns.Host).SetTag("server.port", dns.Port);
                break;
            case IPEndPoint ip:
                activity.SetTag("server.address", ip.Address.ToString()).SetTag("server.port", ip.Port);
                break;
        }
        foreach (var tag in tags ?? [])
        {
            activity.SetTag(tag.Key, tag.Value);
        }
        return activity;
    }
}
