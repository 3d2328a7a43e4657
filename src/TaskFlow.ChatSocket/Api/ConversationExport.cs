using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Api;

/// <summary>A conversation as a Markdown file a person can keep, read anywhere or paste into another tool.</summary>
public static partial class ConversationExport
{
    public static string ToMarkdown(ConversationDetail conversation)
    {
        var text = new StringBuilder();
        text.Append("# ").AppendLine(conversation.Title).AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"Model `{conversation.Model}` ({conversation.Provider}) · started {Stamp(conversation.CreatedAt)}");
        text.AppendLine(CultureInfo.InvariantCulture, $" · {conversation.Messages.Count} messages").AppendLine();
        foreach (var message in conversation.Messages)
        {
            var who = message.Role switch
            {
                "user" => "You",
                "assistant" => "TaskFlow",
                var other => other,
            };
            text.Append(CultureInfo.InvariantCulture, $"## {who} · {Stamp(message.CreatedAt)}");
            text.AppendLine(message.Status == GenerationStatus.Completed ? "" : $" · {message.Status}").AppendLine();
            // The text as it was written: it is Markdown already (answers) or plain text (questions), both read fine here.
            text.AppendLine(message.Content.TrimEnd()).AppendLine();
        }
        return text.ToString();
    }

    /// <summary>An ASCII file name (headers carry no other) from the title and date: <c>taskflow-trip-to-lisbon-2026-11-23</c>.</summary>
    public static string FileName(ConversationDetail conversation)
    {
        var slug = NotSlug().Replace(conversation.Title.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length > 60)
        {
            slug = slug[..60].TrimEnd('-');
        }
        return $"taskflow-{(slug.Length == 0 ? "conversation" : slug)}-{conversation.CreatedAt.UtcDateTime:yyyy-MM-dd}";
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();
}
