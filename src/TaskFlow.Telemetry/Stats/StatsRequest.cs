using System.Globalization;

namespace TaskFlow.Telemetry.Stats;

/// <summary>Query parameters of the stats API, parsed by hand so that a bad value gets a message that says what is allowed.</summary>
public static class StatsRequest
{
    public const int DefaultWindowMinutes = 60;
    public const int MaxWindowMinutes = 7 * 24 * 60;
    public const int DefaultRecentLimit = 50;
    public const int MaxRecentLimit = 500;

    public static bool TryParseWindow(string? value, out int windowMinutes, out string? error) =>
        TryParseBounded(value, DefaultWindowMinutes, 1, MaxWindowMinutes,
            $"windowMinutes must be a whole number of minutes from 1 to {MaxWindowMinutes} (7 days).",
            out windowMinutes, out error);

    public static bool TryParseLimit(string? value, out int limit, out string? error) =>
        TryParseBounded(value, DefaultRecentLimit, 1, MaxRecentLimit,
            $"limit must be a whole number from 1 to {MaxRecentLimit}.",
            out limit, out error);

    /// <summary>
    /// Chart resolution for a window: about 60 to 170 slices whatever the window, on round sizes
    /// (1 min up to an hour, 5 min up to 6 h, 15 min up to a day, 1 h up to a week).
    /// </summary>
    public static TimeSpan BucketFor(int windowMinutes) => windowMinutes switch
    {
        <= 60 => TimeSpan.FromMinutes(1),
        <= 360 => TimeSpan.FromMinutes(5),
        <= 1440 => TimeSpan.FromMinutes(15),
        _ => TimeSpan.FromHours(1),
    };

    private static bool TryParseBounded(string? value, int fallback, int min, int max, string message, out int result, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            result = fallback;
            return true;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max)
        {
            return true;
        }

        error = message;
        return false;
    }
}
