using System.Text.RegularExpressions;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Splits an interrupted answer into what was fully said (whole sentences) and the sentence that was cut off, and
/// words the system message the TaskFlow AI seed injects so the model picks up naturally instead of repeating itself.
/// </summary>
public static partial class InterruptionAnalyzer
{
    public sealed record Interruption(string FullySaid, string CutOff);

    public static Interruption Analyze(string partialAnswer)
    {
        var text = partialAnswer.Trim();
        var lastEnd = -1;
        foreach (Match match in SentenceEnd().Matches(text))
        {
            lastEnd = match.Index + match.Length;
        }
        return lastEnd < 0
            ? new Interruption("", text)
            : new Interruption(text[..lastEnd].Trim(), text[lastEnd..].Trim());
    }

    public static string ContextMessage(string partialAnswer, string userMessage)
    {
        var (fullySaid, cutOff) = Analyze(partialAnswer);
        return "[INTERRUPTION CONTEXT] You were speaking but the user interrupted you.\n"
            + $"You had fully said: \"{fullySaid}\"\n"
            + $"You were in the middle of saying: \"{cutOff}\" when you were cut off.\n"
            + $"The user interrupted with: \"{userMessage}\"\n"
            + "Please respond to the user's interruption, continuing or adjusting your thoughts naturally. Do not repeat what you had fully said.";
    }

    /// <summary>A sentence ends at . ! or ? (possibly closed by quotes or brackets) followed by whitespace or the end.</summary>
    [GeneratedRegex(@"[.!?]+[""')\]]*(?=\s|$)")]
    private static partial Regex SentenceEnd();
}
