using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps Redis commands that run outside any request or job (model probes, lease renewals, the redispatcher's scans)
/// out of the exported traces. The StackExchange.Redis instrumentation makes each of them a trace of its own, one span
/// long, every few seconds per service, which buries the traces of chat turns in the dashboard; commands inside a turn
/// keep their spans.
/// </summary>
internal sealed class BackgroundRedisSpanFilter : BaseProcessor<Activity>
{
    /// <summary>The instrumentation's ActivitySource (compiled into Aspire.StackExchange.Redis under this name).</summary>
    public const string RedisActivitySource = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    public override void OnStart(Activity data)
    {
        if (data.ParentSpanId == default && data.Source.Name == RedisActivitySource)
        {
            // Export processors skip an activity that is not recorded.
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            data.IsAllDataRequested = false;
        }
    }
}
