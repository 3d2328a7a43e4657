using System.Text;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Splits an interrupted answer into what was fully said (whole sentences) and the sentence that was cut off, and
/// words the system message the TaskFlow AI seed injects so the model picks up naturally instead of repeating itself.
/// </summary>
/// <remarks>
/// The partial answer also stays in the prompt as an assistant turn, verbatim (as the seed keeps it in history), so
/// the quotes here only need to orient the model: they are put on one line and bounded, which keeps a long partial
/// answer or a long interrupting message from being paid for twice in the token budget.
/// </remarks>
public static class InterruptionAnalyzer
{
    /// <summary>The end of what was fully said is quoted (the part that leads into the cut); older text is elided.</summary>
    public const int FullySaidQuoteChars = 600;

    /// <summary>A cut-off "sentence" can be a whole paragraph or a line of code; its end is what matters.</summary>
    public const int CutOffQuoteChars = 300;

    /// <summary>The interrupting message follows in full as the user turn; the quote only names it.</summary>
    public const int UserQuoteChars = 300;

    public sealed record Interruption(string FullySaid, string CutOff);

    public static Interruption Analyze(string partialAnswer)
    {
        var text = partialAnswer.Trim();
        var end = Sentences.LastEnd(text);
        return new Interruption(text[..end].Trim(), text[end..].Trim());
    }

    /// <summary>
    /// The seed's message, line for line. A line whose quote would be empty (nothing finished yet, or the answer
    /// stopped right after a full stop) is left out rather than quoting "" at the model.
    /// </summary>
    public static string ContextMessage(string partialAnswer, string userMessage)
    {
        var (fullySaid, cutOff) = Analyze(partialAnswer);
        var message = new StringBuilder("[INTERRUPTION CONTEXT] You were speaking but the user interrupted you.\n");
        if (fullySaid.Length > 0)
        {
            message.Append("You had fully said: \"").Append(KeepEnd(fullySaid, FullySaidQuoteChars)).Append("\"\n");
        }
        if (cutOff.Length > 0)
        {
            message.Append("You were in the middle of saying: \"").Append(KeepEnd(cutOff, CutOffQuoteChars)).Append("\" when you were cut off.\n");
        }
        message.Append("The user interrupted with: \"").Append(KeepStart(userMessage, UserQuoteChars)).Append("\"\n");
        message.Append("Please respond to the user's interruption, continuing or adjusting your thoughts naturally. Do not repeat what you had fully said.");
        return message.ToString();
    }

    private static string KeepEnd(string text, int maxChars)
    {
        var line = Sentences.OneLine(text);
        if (line.Length <= maxChars)
        {
            return line;
        }
        var tail = line[^(maxChars - 1)..];
        var space = tail.IndexOf(' ', StringComparison.Ordinal);
        return "…" + (space >= 0 && space < maxChars / 4 ? tail[(space + 1)..] : tail);
    }

    private static string KeepStart(string text, int maxChars)
    {
        var line = Sentences.OneLine(text);
        if (line.Length <= maxChars)
        {
            return line;
        }
        var head = line[..(maxChars - 1)];
        var space = head.LastIndexOf(' ');
        return (space > maxChars * 3 / 4 ? head[..space] : head).TrimEnd() + "…";
    }
}
