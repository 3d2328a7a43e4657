using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;

namespace TaskFlow.Tests.Context;

public sealed class TokenBudgetTests
{
    private static readonly TokenCounter Tokens = new();

    [Theory]
    [InlineData("hello world", 2)]
    [InlineData("", 0)]
    public void Counts_with_the_o200k_tokenizer(string text, int expected) => Assert.Equal(expected, Tokens.Count(text));

    [Fact]
    public void A_real_tokenizer_differs_from_characters_over_four()
    {
        const string code = "for (var i = 0; i < items.Length; i++) { total += items[i].Price * items[i].Quantity; }";
        Assert.NotEqual(code.Length / 4, Tokens.Count(code));
    }

    [Fact]
    public void Truncating_keeps_both_ends_within_the_budget()
    {
        var text = "BEGINNING " + string.Join(' ', Enumerable.Range(0, 2000).Select(i => $"word{i}")) + " ENDING";
        var cut = Tokens.TruncateMiddle(text, 100);
        Assert.True(Tokens.Count(cut) <= 100, $"{Tokens.Count(cut)} tokens");
        Assert.StartsWith("BEGINNING", cut, StringComparison.Ordinal);
        Assert.EndsWith("ENDING", cut, StringComparison.Ordinal);
        Assert.Contains("[…]", cut, StringComparison.Ordinal);
        Assert.Equal("short", Tokens.TruncateMiddle("short", 100));
    }

    [Fact]
    public void The_running_summary_keeps_first_sentences_and_sheds_its_oldest_lines_over_budget()
    {
        var dropped = new[]
        {
            Message("user", "How do priority queues work? I keep wondering."),
            Message("assistant", "They serve the highest priority first. Ties go first come, first served."),
        };
        var summary = RunningSummary.Fold(null, dropped, Tokens, 200);
        Assert.Equal("User asked: How do priority queues work?\nAssistant answered: They serve the highest priority first.", summary);

        var more = Enumerable.Range(0, 40).Select(i => Message("user", $"Question number {i} about something long enough to cost tokens."));
        var folded = RunningSummary.Fold(summary, more, Tokens, 120);
        Assert.True(Tokens.Count(folded) <= 120);
        Assert.DoesNotContain("priority queues", folded, StringComparison.Ordinal);
        Assert.EndsWith("Question number 39 about something long enough to cost tokens.", folded, StringComparison.Ordinal);
    }

    private static Message Message(string role, string content) =>
        new() { Role = role, Content = content, Status = "completed", CreatedAt = DateTimeOffset.UtcNow };
}
