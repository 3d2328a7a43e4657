using Microsoft.EntityFrameworkCore;
using TaskFlow.Contracts.Chat;
using TaskFlow.Telemetry.Data;

namespace TaskFlow.Telemetry.Stats;

/// <summary>
/// Aggregates computed by PostgreSQL over the window (GROUP BY on the created_at and (model, created_at) indexes):
/// only aggregate rows and the few recent rows ever leave the database, however many calls the window holds.
/// </summary>
public sealed class StatsQueries(TelemetryDbContext db, TimeProvider time)
{
    /// <summary>Statuses that count as a successful call: the worker's "completed", and "success" from older producers.</summary>
    public static readonly string[] SuccessStatuses = [GenerationStatus.Completed, "success"];

    /// <param name="mine">Only the caller's own calls ("my usage") instead of the whole deployment's.</param>
    public async Task<StatsResponse> GetStatsAsync(int windowMinutes, int recentLimit, string userId, bool mine, CancellationToken cancellationToken)
    {
        var to = time.GetUtcNow();
        var from = to.AddMinutes(-windowMinutes);
        var successStatuses = SuccessStatuses;

        // One pass for the per-model rows and the grand total (the empty grouping set), with p95 that cannot be
        // derived from per-model figures.
        var summary = await db.Database.SqlQuery<SummaryRow>($"""
            SELECT GROUPING(model) = 1 AS "IsTotal",
                   coalesce(model, '') AS "Model",
                   count(*) AS "TotalRequests",
                   count(*) FILTER (WHERE status = ANY({successStatuses})) AS "Successes",
                   avg(latency_ms)::float8 AS "AverageLatencyMs",
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS "P95LatencyMs",
                   avg(time_to_first_token_ms)::float8 AS "AverageTimeToFirstTokenMs",
                   coalesce(sum(input_tokens), 0)::bigint AS "InputTokens",
                   coalesce(sum(output_tokens), 0)::bigint AS "OutputTokens"
            FROM telemetry.inference_logs
            WHERE created_at >= {from} AND (NOT {mine} OR user_id = {userId})
            GROUP BY GROUPING SETS ((model), ())
            """).ToListAsync(cancellationToken);

        var statusCounts = await db.Database.SqlQuery<StatusRow>($"""
            SELECT status AS "Status", count(*) AS "Count"
            FROM telemetry.inference_logs
            WHERE created_at >= {from} AND (NOT {mine} OR user_id = {userId})
            GROUP BY status
            """).ToDictionaryAsync(row => row.Status, row => row.Count, cancellationToken);

        var bucket = StatsRequest.BucketFor(windowMinutes);
        var timelineRows = await db.Database.SqlQuery<TimelineRow>($"""
            SELECT date_bin({bucket}, created_at, {DateTimeOffset.UnixEpoch}) AS "Start",
                   count(*) AS "TotalRequests",
                   count(*) FILTER (WHERE status = ANY({successStatuses})) AS "Successes",
                   avg(latency_ms)::float8 AS "AverageLatencyMs"
            FROM telemetry.inference_logs
            WHERE created_at >= {from} AND (NOT {mine} OR user_id = {userId})
            GROUP BY 1
            ORDER BY 1
            """).ToListAsync(cancellationToken);

        var recent = await GetRecentAsync(from, recentLimit, userId, cancellationToken);

        var total = summary.FirstOrDefault(row => row.IsTotal) ?? SummaryRow.Empty;
        return new StatsResponse(
            windowMinutes,
            from,
            to,
            total.TotalRequests,
            Rate(total.Successes, total.TotalRequests),
            total.AverageLatencyMs,
            total.P95LatencyMs,
            total.AverageTimeToFirstTokenMs,
            ThroughputPerMinute: (double)total.TotalRequests / windowMinutes,
            total.InputTokens,
            total.OutputTokens,
            statusCounts,
            [.. summary
                .Where(row => !row.IsTotal)
                .OrderByDescending(row => row.TotalRequests)
                .ThenBy(row => row.Model, StringComparer.Ordinal)
                .Select(row => new ModelStats(
                    row.Model, row.TotalRequests, Rate(row.Successes, row.TotalRequests),
                    row.AverageLatencyMs, row.P95LatencyMs, row.AverageTimeToFirstTokenMs))],
            FillTimeline(timelineRows, from, to, bucket),
            recent);
    }

    /// <summary>
    /// The caller's newest rows, newest first; <paramref name="since"/> limits them to a window when given. Previews are
    /// other people's words even when redacted, so nobody sees anyone else's.
    /// </summary>
    public async Task<IReadOnlyList<RecentInference>> GetRecentAsync(DateTimeOffset? since, int limit, string userId, CancellationToken cancellationToken)
    {
        var logs = db.InferenceLogs.AsNoTracking().Where(log => log.UserId == userId);
        if (since is { } from)
        {
            logs = logs.Where(log => log.CreatedAt >= from);
        }

        return await logs
            .OrderByDescending(log => log.CreatedAt)
            .ThenByDescending(log => log.Id)
            .Take(limit)
            .Select(log => new RecentInference(
                log.Id, log.GenerationId, log.Attempt, log.Model, log.Provider, log.Status, log.LatencyMs, log.TimeToFirstTokenMs,
                log.InputTokens, log.OutputTokens, log.ErrorCode, log.ErrorMessage, log.InputPreview, log.OutputPreview,
                log.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    private static double? Rate(long part, long total) => total == 0 ? null : (double)part / total;

    /// <summary>Every slice of the window, so a chart's x axis is even; slices without calls count zero.</summary>
    private static List<TimelineBucket> FillTimeline(List<TimelineRow> rows, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket)
    {
        var byStart = rows.ToDictionary(row => row.Start.UtcTicks);
        var buckets = new List<TimelineBucket>();
        var start = new DateTimeOffset(from.UtcTicks - (from.UtcTicks % bucket.Ticks), TimeSpan.Zero);
        for (; start <= to; start += bucket)
        {
            buckets.Add(byStart.TryGetValue(start.UtcTicks, out var row)
                ? new TimelineBucket(start, row.TotalRequests, Rate(row.Successes, row.TotalRequests), row.AverageLatencyMs)
                : new TimelineBucket(start, 0, null, null));
        }

        return buckets;
    }

    private sealed class SummaryRow
    {
        public static readonly SummaryRow Empty = new() { IsTotal = true, Model = "" };

        public bool IsTotal { get; init; }

        public required string Model { get; init; }

        public long TotalRequests { get; init; }

        public long Successes { get; init; }

        public double? AverageLatencyMs { get; init; }

        public double? P95LatencyMs { get; init; }

        public double? AverageTimeToFirstTokenMs { get; init; }

        public long InputTokens { get; init; }

        public long OutputTokens { get; init; }
    }

    private sealed class StatusRow
    {
        public required string Status { get; init; }

        public long Count { get; init; }
    }

    private sealed class TimelineRow
    {
        public DateTimeOffset Start { get; init; }

        public long TotalRequests { get; init; }

        public long Successes { get; init; }

        public double? AverageLatencyMs { get; init; }
    }
}
