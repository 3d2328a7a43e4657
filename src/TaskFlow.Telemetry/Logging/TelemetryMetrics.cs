using System.Diagnostics.Metrics;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.Telemetry.Logging;

/// <summary>Counters for the logging pipeline, exported with the service's other metrics (meter TaskFlow.Telemetry).</summary>
public sealed class TelemetryMetrics
{
    public const string MeterName = "TaskFlow.Telemetry";

    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _redactions;
    private readonly Counter<long> _scrubbed;

    public TelemetryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _stored = meter.CreateCounter<long>("taskflow.telemetry.inference_logs.stored", description: "Inference log rows written.");
        _duplicates = meter.CreateCounter<long>(
            "taskflow.telemetry.inference_logs.duplicates", description: "Redelivered inference events that were already logged.");
        _redactions = meter.CreateCounter<long>(
            "taskflow.telemetry.pii.redactions", description: "Pieces of personal data replaced by a placeholder, by kind.");
        _scrubbed = meter.CreateCounter<long>(
            "taskflow.telemetry.inference_logs.scrubbed", description: "Inference logs whose previews were removed because their conversation was deleted.");
    }

    public void Stored() => _stored.Add(1);

    public void Duplicate() => _duplicates.Add(1);

    public void Scrubbed(int count) => _scrubbed.Add(count);

    public void Redacted(IEnumerable<PiiMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var group in matches.GroupBy(m => m.Kind))
        {
            // Tagged like the placeholder ("card", "ip"), so a dashboard reads the same words as the logs.
            var kind = PiiRedactor.Placeholder(group.Key).Trim('[', ']').ToLowerInvariant();
            _redactions.Add(group.Count(), new KeyValuePair<string, object?>("pii.kind", kind));
        }
    }
}
