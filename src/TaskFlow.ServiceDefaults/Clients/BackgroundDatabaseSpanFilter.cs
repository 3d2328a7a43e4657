using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps PostgreSQL statements made outside any request or job (ChatSocket recording in the background that RabbitMQ
/// confirmed a turn's job, the redispatcher's and the sweepers' scans, the queue gauges, health checks, a pool growing)
/// out of the exported traces. Npgsql makes each of them a trace of its own, one span long: at one chat they outnumbered
/// the chat turns in the dashboard's trace list. A request's or a job's statements keep their spans. Npgsql's own
/// filter would also spare making the span, but it is set on a data source, and EF Core's data source of our own
/// outlives the host that made it (its connections stay open until the process ends).
/// </summary>
internal sealed class BackgroundDatabaseSpanFilter : BaseProcessor<Activity>
{
    /// <summary>Npgsql's ActivitySource, which the Aspire PostgreSQL integration's tracing listens to.</summary>
    public const string NpgsqlActivitySource = "Npgsql";

    public override void OnStart(Activity data)
    {
        if (data.ParentSpanId == default && data.Source.Name == NpgsqlActivitySource)
        {
            // Export processors skip an activity that is not recorded.
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            data.IsAllDataRequested = false;
        }
    }
}
