using TaskFlow.Benchmark;

namespace TaskFlow.UnitTests.Benchmarks;

/// <summary>
/// The benchmark command keeps working: its options are checked and its micro-benchmarks print a row per case. What the
/// figures are is for people to read (docs/benchmarks.md); no test asserts a timing.
/// </summary>
public sealed class BenchmarkCommandTests
{
    [Fact]
    public void The_micro_benchmarks_print_one_row_per_case()
    {
        using var output = new StringWriter();
        Assert.Equal(0, MicroBenchmarks.Redaction(TimeSpan.FromMilliseconds(20), output));
        Assert.Equal(0, MicroBenchmarks.Context(TimeSpan.FromMilliseconds(20), output));

        var rows = output.ToString().Split('\n').Where(line => line.Contains("(µs)", StringComparison.Ordinal)).ToList();
        Assert.Equal(9, rows.Count);
        Assert.All(rows.Take(4), row => Assert.Contains("MB/s", row, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "chat", "--users", "0" }, "bad option or value: --users 0")]
    [InlineData(new[] { "chat", "--gateway", "ftp://x" }, "bad option or value: --gateway ftp://x")]
    [InlineData(new[] { "stress" }, "unknown scenario 'stress'")]
    [InlineData(new[] { "chat", "--turns" }, "--turns needs a value")]
    public void Bad_options_are_refused_with_what_is_wrong(string[] args, string error)
    {
        Assert.False(BenchmarkOptions.TryParse(args, out _, out var message));
        Assert.Equal(error, message);
    }

    [Fact]
    public void Options_have_defaults_and_take_values()
    {
        Assert.True(BenchmarkOptions.TryParse(["chat", "--users", "5", "--priority", "high", "--model", "qwen3"], out var options, out _));
        Assert.Equal((5, 5, "high", "qwen3", new Uri("http://localhost:5100")), (options.Users, options.Turns, options.Priority, options.Model, options.Gateway));
    }
}
