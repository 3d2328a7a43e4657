using System.Diagnostics;
using System.Text.Json;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// How fast this machine runs a fixed piece of .NET work on one core at a quiet moment: a small chat request written
/// and read back as JSON, as the services do all day. The same build on the same machine type has cost 15 % more CPU
/// per answer in one run than in the next (docs/benchmarks.md), so a rate is compared between runs only beside this.
/// </summary>
public static class MachineSpeed
{
    private static readonly ChatRequest Sample = new(
        "bench-model",
        [.. Enumerable.Range(0, 8).Select(i => new ChatMessage(i % 2 == 0 ? "user" : "assistant", $"message {i}: " + new string('x', 200)))],
        Stream: true);

    /// <summary>Round trips per millisecond over <paramref name="duration"/>, after a short warm-up.</summary>
    public static double Measure(TimeSpan duration)
    {
        for (var i = 0; i < 200; i++)
        {
            RoundTrip();
        }
        var clock = Stopwatch.StartNew();
        var count = 0;
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 50; i++)
            {
                RoundTrip();
            }
            count += 50;
        }
        return count / clock.Elapsed.TotalMilliseconds;
    }

    private static void RoundTrip()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(Sample);
        if (JsonSerializer.Deserialize<ChatRequest>(json)?.Messages.Count != Sample.Messages.Count)
        {
            throw new InvalidOperationException("The calibration's JSON did not read back.");
        }
    }

    private sealed record ChatMessage(string Role, string Content);

    private sealed record ChatRequest(string Model, List<ChatMessage> Messages, bool Stream);
}
