using System.Globalization;
using System.Text.RegularExpressions;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// How the benchmark's model answers: <see cref="Tokens"/> tokens at <see cref="TokensPerSecond"/> (0: all at once)
/// after <see cref="FirstTokenDelay"/>. Carried in the prompt as a marker, so the same model server answers every load
/// level, and a request through TaskFlow gets exactly the answer a direct one gets.
/// </summary>
public sealed partial record AnswerProfile(int Tokens, double TokensPerSecond, TimeSpan FirstTokenDelay)
{
    public string Marker => string.Create(CultureInfo.InvariantCulture,
        $"[answer:{Tokens}x{TokensPerSecond}+{FirstTokenDelay.TotalMilliseconds}]");

    public string Describe() => TokensPerSecond > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{Tokens} tokens at {TokensPerSecond} tok/s, first after {FirstTokenDelay.TotalMilliseconds} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{Tokens} tokens at once (instant model), first after {FirstTokenDelay.TotalMilliseconds} ms");

    /// <summary>When token <paramref name="index"/> (from 0) is due, from the start of the answer.</summary>
    public TimeSpan DueAt(int index) => TokensPerSecond > 0
        ? FirstTokenDelay + TimeSpan.FromSeconds(index / TokensPerSecond)
        : FirstTokenDelay;

    /// <summary>How long the model takes to write one whole answer (zero for the instant model).</summary>
    public TimeSpan Length => DueAt(Math.Max(0, Tokens - 1));

    /// <summary>Token <paramref name="index"/>: a word with its leading space, as models stream them.</summary>
    public static string Token(int index) => index == 0 ? "Lorem" : Words[index % Words.Length];

    public static AnswerProfile? Find(string prompt) =>
        MarkerPattern().Match(prompt) is { Success: true } match
            ? new AnswerProfile(
                int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                TimeSpan.FromMilliseconds(double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)))
            : null;

    private static readonly string[] Words = [" ipsum", " dolor", " sit", " amet,", " consectetur", " adipiscing", " elit."];

    [GeneratedRegex(@"\[answer:(\d+)x([0-9.]+)\+([0-9.]+)\]")]
    private static partial Regex MarkerPattern();
}
