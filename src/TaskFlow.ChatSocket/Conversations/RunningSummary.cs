using System.Text.RegularExpressions;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// The running summary of turns that fell out of the context window. Extractive on purpose: one line per dropped
/// turn ("User asked: … Assistant answered: …", each the message's first sentence), appended as turns drop, oldest
/// lines shed to stay within budget. It costs no model call (a model-written summary would be one more queued job,
/// with its latency, rate-limit share and failure modes, every time the window overflows), cannot invent anything,
/// and is deterministic, so any replica folding the same turns writes the same summary.
/// </summary>
public static partial class RunningSummary
{
    /// <summary>Longest sentence kept per message: enough to name a topic, short enough for many turns to fit.</summary>
    public const int SentenceChars = 160;

    private const int MinSentenceChars = 24;

    public const string Header = "Summary of the earlier part of this conversation (older messages are not shown):\n";

    /// <summary>
    /// Appends one line per turn in <paramref name="dropped"/> (oldest first) to <paramref name="summary"/>, then
    /// drops the summary's oldest lines until it fits <paramref name="budget"/> tokens. The existing lines are kept
    /// as they are: only the newly dropped turns are read.
    /// </summary>
    public static string Fold(string? summary, IEnumerable<Message> dropped, TokenCounter tokens, int budget)
    {
        var lines = (summary ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        lines.AddRange(Lines(dropped));
        var start = 0;
        while (start < lines.Count && tokens.Count(string.Join('\n', lines.Skip(start))) > budget)
        {
            start++;
        }
        return string.Join('\n', lines.Skip(start));
    }

    public static string AsSystemMessage(string summary) => Header + summary;

    /// <summary>A user message opens a turn; the answers after it belong to it. An answer whose question was folded earlier stands alone.</summary>
    private static IEnumerable<string> Lines(IEnumerable<Message> dropped)
    {
        var turn = new List<string>();
        foreach (var message in dropped.Where(m => m.Content.Length > 0))
        {
            if (message.Role == "user" && turn.Count > 0)
            {
                yield return string.Join(' ', turn);
                turn.Clear();
            }
            turn.Add(message.Role switch
            {
                "user" => $"User asked: {FirstSentence(message.Content)}",
                _ when message.Status is GenerationStatus.Interrupted or GenerationStatus.Cancelled => $"Assistant began answering (cut off): {FirstSentence(message.Content)}",
                _ => $"Assistant answered: {FirstSentence(message.Content)}",
            });
        }
        if (turn.Count > 0)
        {
            yield return string.Join(' ', turn);
        }
    }

    /// <summary>
    /// The opening sentence of the message's prose; sentences are added while they are as short as "Sure!", which
    /// on their own would say nothing about the turn.
    /// </summary>
    private static string FirstSentence(string content)
    {
        var prose = MarkdownNoise().Replace(CodeBlock().Replace(content, "\n"), "").Trim();
        if (prose.Length == 0)
        {
            return "(code).";
        }
        var end = 0;
        do
        {
            end += Sentences.FirstEnd(prose[end..]);
        }
        while (end < prose.Length && Sentences.OneLine(prose[..end]).Length < MinSentenceChars);
        var first = Sentences.OneLine(prose[..end]);
        if (first.Length > SentenceChars)
        {
            var cut = first[..(SentenceChars - 1)];
            var space = cut.LastIndexOf(' ');
            return (space > SentenceChars * 3 / 4 ? cut[..space] : cut).TrimEnd() + "…";
        }
        // Every line reads as sentences: "User asked: How? Assistant answered: Like this."
        return ".!?…".Contains(first[^1], StringComparison.Ordinal) ? first : first + ".";
    }

    /// <summary>Fenced code says little in one sentence; a summary line keeps the prose around it.</summary>
    [GeneratedRegex(@"```.*?(```|$)", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    /// <summary>Headings (whole lines: a title is not a sentence), quote and list markers, emphasis marks.</summary>
    [GeneratedRegex(@"(?m)^[ \t]*#{1,6}[ \t].*$|^[ \t]*(?:>|[-*+]|\d{1,3}[.)])[ \t]+|\*\*|__|`")]
    private static partial Regex MarkdownNoise();
}
