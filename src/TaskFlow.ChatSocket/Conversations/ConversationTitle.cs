using TaskFlow.Contracts.Text;

namespace TaskFlow.ChatSocket.Conversations;

public static class ConversationTitle
{
    /// <summary>
    /// The first user message, on one line, cut to the title length at a word boundary where possible, and never
    /// inside a character (an emoji or an accented letter built of several code units stays whole or goes).
    /// </summary>
    public static string From(string firstMessage)
    {
        var oneLine = string.Join(' ', firstMessage.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var max = Data.Conversation.TitleMaxLength;
        if (oneLine.Length <= max)
        {
            return oneLine.Length == 0 ? "New conversation" : oneLine;
        }
        var cut = StorableText.Prefix(oneLine, max - 1);
        var lastSpace = cut.LastIndexOf(' ');
        return (lastSpace > max / 2 ? cut[..lastSpace] : cut).TrimEnd() + "…";
    }
}
