using System.Text.RegularExpressions;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// Cuts a canned text into the pieces it is streamed in, like a model's tokens: a word with the space before it, or a
/// single ideograph, since Chinese has no spaces to cut at. Joined back they are the text.
/// </summary>
public static partial class NudgeWords
{
    public static IEnumerable<string> Split(string text) => Piece().Matches(text).Select(match => match.Value);

    [GeneratedRegex(@"\s*(?:\p{IsCJKUnifiedIdeographs}|[^\s\p{IsCJKUnifiedIdeographs}]+)|\s+$")]
    private static partial Regex Piece();
}
