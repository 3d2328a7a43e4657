using TaskFlow.Telemetry.Stats;

namespace TaskFlow.UnitTests.Telemetry;

public sealed class StatsRequestTests
{
    [Theory]
    [InlineData(null, 60)]
    [InlineData("", 60)]
    [InlineData("1", 1)]
    [InlineData("60", 60)]
    [InlineData("10080", 10080)]
    public void Accepts_windows_from_a_minute_to_a_week(string? value, int expected)
    {
        Assert.True(StatsRequest.TryParseWindow(value, out var window, out var error));
        Assert.Equal(expected, window);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10081")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("99999999999")]
    public void Rejects_other_windows_with_a_message_that_says_what_is_allowed(string value)
    {
        Assert.False(StatsRequest.TryParseWindow(value, out _, out var error));
        Assert.Contains("1 to 10080", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true, 50)]
    [InlineData("1", true, 1)]
    [InlineData("500", true, 500)]
    [InlineData("0", false, 0)]
    [InlineData("501", false, 0)]
    [InlineData("ten", false, 0)]
    public void Bounds_the_recent_limit(string? value, bool valid, int expected)
    {
        Assert.Equal(valid, StatsRequest.TryParseLimit(value, out var limit, out _));
        if (valid)
        {
            Assert.Equal(expected, limit);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(60, 1)]
    [InlineData(61, 5)]
    [InlineData(360, 5)]
    [InlineData(1440, 15)]
    [InlineData(10080, 60)]
    public void Chooses_a_bucket_that_keeps_charts_readable(int windowMinutes, int bucketMinutes) =>
        Assert.Equal(TimeSpan.FromMinutes(bucketMinutes), StatsRequest.BucketFor(windowMinutes));
}
