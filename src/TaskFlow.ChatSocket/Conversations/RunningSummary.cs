using System.Text.RegularExpressions;
using TaskFlow.ChatSocket.Data;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// The running summary of turns that fell out of the context window. Extractive on purpose: one line per dropped
/// message (its first sentence), appended as turns drop, oldest lines shed to stay within budget. It costs no model
/// call, cannot hallucinate, and is deterministic; a model-written summary would be better prose at the price of an
/// extra queued job per overflow.
/// </summary>
public static partial class RunningSummary
{
    private const int LineChars = 160;

    public static string Fold(string? summary, IEnumerable<Message> dropped, TokenCounter tokens, int budget)
    {
        var lines = (summary ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        lines.AddRange(dropped.Where(m => m.Content.Length > 0).Select(Line));
        while (lines.Count > 0 && tokens.Count(string.Join('\n', lines)) > budget)
        {
            lines.RemoveAt(0);
        }
        return string.Join('\n', lines);
    }

    public static string AsSystemMessage(string summary) =>
        "Summary of the earlier part of this conversation (older messages are not shown):\n" + summary;

    private static string Line(Message message)
    {
        var first = FirstSentence().Match(message.Content.ReplaceLineEndings(" ").Trim()).Value.Trim();
        if (first.Length > LineChars)
        {
            first = first[..(LineChars - 1)].TrimEnd() + "…";
        }
        return message.Role == "user" ? $"User asked: {first}" : $"Assistant answered: {first}";
    }

    [GeneratedRegex(@"^.*?(?:[.!?](?=\s|$)|$)")]
    private static partial Regex FirstSentence();
}
