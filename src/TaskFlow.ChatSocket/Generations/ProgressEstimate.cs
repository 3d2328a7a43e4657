namespace TaskFlow.ChatSocket.Generations;

/// <summary>
/// A model does not say how long its answer will be, so progress is an estimate: 0 while waiting, 10 when a worker
/// starts, then rising toward 95 as tokens arrive (half-way at <see cref="HalfWayTokens"/> tokens), 100 when done.
/// It only ever grows, and it is reported in steps of at least <see cref="Step"/> points.
/// </summary>
public sealed class ProgressEstimate
{
    public const int HalfWayTokens = 100;
    public const int Step = 5;

    private int _reported = -1;

    public static int ForTokens(int tokens) =>
        10 + (int)Math.Floor(85 * (1 - Math.Pow(0.5, tokens / (double)HalfWayTokens)));

    /// <summary>The percent to report now, or null when it has not moved enough since the last report.</summary>
    public int? Next(int percent, bool force = false)
    {
        var first = _reported < 0;
        if (percent <= _reported || (!first && !force && percent < _reported + Step && percent != 100))
        {
            return null;
        }
        _reported = percent;
        return percent;
    }
}
