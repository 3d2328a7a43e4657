using TaskFlow.ChatSocket.Generations;

namespace TaskFlow.UnitTests.Sockets;

public sealed class PacingOptionsTests
{
    private static readonly PacingOptions Pacing = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(30),
        Jitter = TimeSpan.Zero,
        SentencePause = TimeSpan.FromMilliseconds(250),
        ClausePause = TimeSpan.FromMilliseconds(100),
    };

    [Theory]
    [InlineData("word ", 30)]
    [InlineData("end. ", 280)]
    [InlineData("really?", 280)]
    [InlineData("wow!", 280)]
    [InlineData("first, ", 130)]
    [InlineData("note:", 130)]
    [InlineData("a;", 130)]
    [InlineData("   ", 30)]
    public void Pauses_longer_at_sentence_ends_and_clause_breaks(string token, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Pacing.DelayFor(token, new Random(1)));

    [Fact]
    public void Jitter_stays_within_its_bounds_and_never_goes_negative()
    {
        var jittery = new PacingOptions { BaseDelay = TimeSpan.FromMilliseconds(10), Jitter = TimeSpan.FromMilliseconds(15) };
        var random = new Random(42);
        var delays = Enumerable.Range(0, 1000).Select(_ => jittery.DelayFor("x", random)).ToList();
        Assert.All(delays, delay => Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(25)));
        Assert.True(delays.Distinct().Count() > 100, "jitter should vary the delay");
    }
}
