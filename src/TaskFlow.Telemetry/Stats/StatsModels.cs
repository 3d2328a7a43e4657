namespace TaskFlow.Telemetry.Stats;

/// <summary>
/// The answer of <c>GET /api/stats</c>. Rates are 0..1; averages and rates are null when the window holds no request
/// (a dashboard should show "no data", not 0 % success).
/// </summary>
public sealed record StatsResponse(
    int WindowMinutes,
    DateTimeOffset From,
    DateTimeOffset To,
    long TotalRequests,
    double? SuccessRate,
    double? AverageLatencyMs,
    double? P95LatencyMs,
    double? AverageTimeToFirstTokenMs,
    double ThroughputPerMinute,
    long InputTokens,
    long OutputTokens,
    IReadOnlyDictionary<string, long> StatusCounts,
    IReadOnlyList<ModelStats> PerModel,
    IReadOnlyList<TimelineBucket> Timeline,
    IReadOnlyList<RecentInference> Recent);

public sealed record ModelStats(
    string Model,
    long TotalRequests,
    double? SuccessRate,
    double? AverageLatencyMs,
    double? P95LatencyMs,
    double? AverageTimeToFirstTokenMs);

/// <summary>One slice of the window for charts; empty slices are included with zero requests.</summary>
public sealed record TimelineBucket(DateTimeOffset Start, long TotalRequests, double? SuccessRate, double? AverageLatencyMs);

public sealed record RecentInference(
    Guid Id,
    Guid GenerationId,
    int Attempt,
    string Model,
    string Provider,
    string Status,
    long LatencyMs,
    long? TimeToFirstTokenMs,
    int? InputTokens,
    int? OutputTokens,
    string? ErrorCode,
    string? ErrorMessage,
    string InputPreview,
    string OutputPreview,
    DateTimeOffset CreatedAt);

public sealed record RecentResponse(int Limit, IReadOnlyList<RecentInference> Items);
