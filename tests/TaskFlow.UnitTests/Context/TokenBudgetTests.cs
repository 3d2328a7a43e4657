using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;

namespace TaskFlow.UnitTests.Context;

public sealed class TokenBudgetTests
{
    private static readonly TokenCounter Tokens = new();

    [Theory]
    [InlineData("hello world", 2)]
    [InlineData("", 0)]
    public void Counts_with_the_o200k_tokenizer(string text, int expected) => Assert.Equal(expected, Tokens.Count(text));

    [Fact]
    public void A_message_counted_again_is_answered_from_its_first_count_and_other_text_is_counted_afresh()
    {
        var text = "Explain the difference between a queue and a stack, with an example of each. 日本語も少し。";
        var first = Tokens.CountMessage(text);
        Assert.Equal(Tokens.Count(text) + TokenCounter.PerMessageOverhead, first);
        // Another string with the same text (as each turn reads it from the database) finds the same count.
        Assert.Equal(first, Tokens.CountMessage(new string(text.AsSpan())));
        Assert.Equal(Tokens.Count(text + " And a deque?") + TokenCounter.PerMessageOverhead, Tokens.CountMessage(text + " And a deque?"));
        Assert.Equal(TokenCounter.PerMessageOverhead, Tokens.CountMessage(""));
    }

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
    public void The_running_summary_has_one_line_per_turn_of_first_sentences_and_sheds_its_oldest_lines_over_budget()
    {
        var dropped = new[]
        {
            Message("user", "How do priority queues work? I keep wondering."),
            Message("assistant", "They serve the highest priority first. Ties go first come, first served."),
            Message("user", "And starvation"),
        };
        var summary = RunningSummary.Fold(null, dropped, Tokens, 200);
        Assert.Equal("User asked: How do priority queues work? Assistant answered: They serve the highest priority first.\nUser asked: And starvation.", summary);

        var more = Enumerable.Range(0, 40).Select(i => Message("user", $"Question number {i} about something long enough to cost tokens."));
        var folded = RunningSummary.Fold(summary, more, Tokens, 120);
        Assert.True(Tokens.Count(folded) <= 120);
        Assert.DoesNotContain("priority queues", folded, StringComparison.Ordinal);
        Assert.EndsWith("User asked: Question number 39 about something long enough to cost tokens.", folded, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sure! Priority queues serve the highest priority first. More.", "Assistant answered: Sure! Priority queues serve the highest priority first.")]
    [InlineData("## Answer\n**Priority** queues serve the urgent first\n\nThen the rest.", "Assistant answered: Priority queues serve the urgent first.")]
    [InlineData("```csharp\nvar x = 1;\n```\nThat sets x to one, which is all.", "Assistant answered: That sets x to one, which is all.")]
    [InlineData("```\nonly code\n```", "Assistant answered: (code).")]
    public void A_summary_line_keeps_the_prose_of_an_answer(string answer, string line) =>
        Assert.Equal(line, RunningSummary.Fold(null, [Message("assistant", answer)], Tokens, 200));

    [Fact]
    public void Long_sentences_are_cut_and_cut_off_answers_are_marked()
    {
        var longQuestion = "Please explain " + string.Join(' ', Enumerable.Repeat("everything", 60)) + ".";
        var cut = Message("assistant", "I was about to explain");
        cut.Status = "interrupted";
        var line = RunningSummary.Fold(null, [Message("user", longQuestion), cut], Tokens, 500);
        var asked = line["User asked: ".Length..line.IndexOf(" Assistant", StringComparison.Ordinal)];
        Assert.EndsWith("…", asked, StringComparison.Ordinal);
        Assert.True(asked.Length <= RunningSummary.SentenceChars);
        Assert.EndsWith("Assistant began answering (cut off): I was about to explain.", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_summary_budget_of_zero_keeps_nothing() =>
        Assert.Equal("", RunningSummary.Fold("User asked: Old.", [Message("user", "New question here.")], Tokens, 0));

    private static Message Message(string role, string content) =>
        new() { Role = role, Content = content, Status = "completed", CreatedAt = DateTimeOffset.UtcNow };
}
