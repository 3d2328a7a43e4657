using TaskFlow.ChatSocket.Conversations;

namespace TaskFlow.Tests.Context;

public sealed class InterruptionAnalyzerTests
{
    [Theory]
    [InlineData("I can help you with that. Let me start by", "I can help you with that.", "Let me start by")]
    [InlineData("First point! Second point? Third", "First point! Second point?", "Third")]
    [InlineData("No sentence ended yet", "", "No sentence ended yet")]
    [InlineData("All done.", "All done.", "")]
    [InlineData("He said \"stop.\" Then he", "He said \"stop.\"", "Then he")]
    [InlineData("Version 1.2.3 is out and", "", "Version 1.2.3 is out and")]
    [InlineData("", "", "")]
    public void Splits_what_was_fully_said_from_the_cut_off_sentence(string partial, string fullySaid, string cutOff)
    {
        var result = InterruptionAnalyzer.Analyze(partial);
        Assert.Equal(fullySaid, result.FullySaid);
        Assert.Equal(cutOff, result.CutOff);
    }

    [Fact]
    public void The_context_message_follows_the_seeds_wording()
    {
        var message = InterruptionAnalyzer.ContextMessage("I can help you with that. Let me start by", "Actually, can you do X instead?");
        Assert.StartsWith("[INTERRUPTION CONTEXT] You were speaking but the user interrupted you.\n", message, StringComparison.Ordinal);
        Assert.Contains("You had fully said: \"I can help you with that.\"", message, StringComparison.Ordinal);
        Assert.Contains("You were in the middle of saying: \"Let me start by\" when you were cut off.", message, StringComparison.Ordinal);
        Assert.Contains("The user interrupted with: \"Actually, can you do X instead?\"", message, StringComparison.Ordinal);
    }
}
