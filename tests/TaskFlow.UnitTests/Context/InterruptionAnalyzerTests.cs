using TaskFlow.ChatSocket.Conversations;

namespace TaskFlow.UnitTests.Context;

public sealed class InterruptionAnalyzerTests
{
    [Theory]
    [InlineData("I can help you with that. Let me start by", "I can help you with that.", "Let me start by")]
    [InlineData("First point! Second point? Third", "First point! Second point?", "Third")]
    [InlineData("No sentence ended yet", "", "No sentence ended yet")]
    [InlineData("All done.", "All done.", "")]
    [InlineData("He said \"stop.\" Then he", "He said \"stop.\"", "Then he")]
    [InlineData("Version 1.2.3 is out and", "", "Version 1.2.3 is out and")]
    [InlineData("Use a broker, e.g. RabbitMQ, and", "", "Use a broker, e.g. RabbitMQ, and")]
    [InlineData("Wait… then", "Wait…", "then")]
    [InlineData("This is **important.** Next", "This is **important.**", "Next")]
    [InlineData("  padded. cut  ", "padded.", "cut")]
    [InlineData("", "", "")]
    public void Splits_what_was_fully_said_from_the_cut_off_sentence(string partial, string fullySaid, string cutOff)
    {
        var result = InterruptionAnalyzer.Analyze(partial);
        Assert.Equal(fullySaid, result.FullySaid);
        Assert.Equal(cutOff, result.CutOff);
    }

    [Fact]
    public void In_markdown_a_finished_line_was_fully_said_but_a_list_number_ends_nothing()
    {
        var result = InterruptionAnalyzer.Analyze("## Plan\nSteps:\n1. Install it\n2. Run the");
        Assert.Equal("## Plan\nSteps:\n1. Install it", result.FullySaid);
        Assert.Equal("2. Run the", result.CutOff);
    }

    [Fact]
    public void The_context_message_is_the_seeds_wording_line_for_line()
    {
        var message = InterruptionAnalyzer.ContextMessage("I can help you with that. Let me start by", "Actually, can you do X instead?");
        Assert.Equal(
            "[INTERRUPTION CONTEXT] You were speaking but the user interrupted you.\n"
            + "You had fully said: \"I can help you with that.\"\n"
            + "You were in the middle of saying: \"Let me start by\" when you were cut off.\n"
            + "The user interrupted with: \"Actually, can you do X instead?\"\n"
            + "Please respond to the user's interruption, continuing or adjusting your thoughts naturally. Do not repeat what you had fully said.",
            message);
    }

    [Fact]
    public void Lines_with_nothing_to_quote_are_left_out()
    {
        var nothingFinished = InterruptionAnalyzer.ContextMessage("Let me start by", "Stop");
        Assert.DoesNotContain("You had fully said", nothingFinished, StringComparison.Ordinal);
        Assert.Contains("You were in the middle of saying: \"Let me start by\" when you were cut off.\n", nothingFinished, StringComparison.Ordinal);

        var cleanBreak = InterruptionAnalyzer.ContextMessage("That is all I wanted to say.", "Thanks");
        Assert.Contains("You had fully said: \"That is all I wanted to say.\"\n", cleanBreak, StringComparison.Ordinal);
        Assert.DoesNotContain("in the middle of saying", cleanBreak, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_are_one_line_and_bounded_keeping_what_leads_into_the_cut()
    {
        var longAnswer = string.Join(' ', Enumerable.Range(1, 200).Select(i => $"Sentence number {i} is here.")) + "\n\nAnd then I was";
        var longQuestion = "Wait, " + string.Join(' ', Enumerable.Repeat("please", 400)) + " stop";

        var message = InterruptionAnalyzer.ContextMessage(longAnswer, longQuestion);

        var lines = message.Split('\n');
        Assert.Equal(5, lines.Length);
        var fullySaid = lines[1]["You had fully said: \"".Length..^1];
        Assert.StartsWith("…", fullySaid, StringComparison.Ordinal);
        Assert.EndsWith("Sentence number 200 is here.", fullySaid, StringComparison.Ordinal);
        Assert.True(fullySaid.Length <= InterruptionAnalyzer.FullySaidQuoteChars, $"{fullySaid.Length} chars");
        Assert.Equal("You were in the middle of saying: \"And then I was\" when you were cut off.", lines[2]);
        var user = lines[3]["The user interrupted with: \"".Length..^1];
        Assert.StartsWith("Wait, please", user, StringComparison.Ordinal);
        Assert.EndsWith("…", user, StringComparison.Ordinal);
        Assert.True(user.Length <= InterruptionAnalyzer.UserQuoteChars, $"{user.Length} chars");
    }
}
