using System.Text.RegularExpressions;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Where sentences end in a model's answer. Answers are Markdown, so a line break also ends what was being said
/// (headings and list items rarely end in a full stop), while the full stop of a list marker ("2. ") or of a
/// common abbreviation ("e.g. ") does not.
/// </summary>
public static partial class Sentences
{
    /// <summary>The index just after the last sentence end in <paramref name="text"/>, or 0 when none has ended.</summary>
    public static int LastEnd(string text)
    {
        var last = 0;
        foreach (Match match in End().Matches(text))
        {
            last = match.Index + match.Length;
        }
        return last;
    }

    /// <summary>The index just after the first sentence end, or the text's length when no sentence has ended.</summary>
    public static int FirstEnd(string text) => End().Match(text) is { Success: true } match ? match.Index + match.Length : text.Length;

    /// <summary>Collapses runs of whitespace (line breaks included) to single spaces.</summary>
    public static string OneLine(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"(?<!(?:^|\n)[ \t]*\d{1,3})(?<!\b(?i:e\.g|i\.e|vs|mr|mrs|ms|dr|prof|st))[.!?…]+[""'”’)\]*_]*(?=\s|$)|\n")]
    private static partial Regex End();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
