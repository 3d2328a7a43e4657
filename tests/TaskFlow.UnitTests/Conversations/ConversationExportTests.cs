using TaskFlow.ChatSocket.Api;

namespace TaskFlow.UnitTests.Conversations;

public sealed class ConversationExportTests
{
    private static readonly DateTimeOffset Started = new(2026, 11, 23, 9, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Trip to Lisbon!", "taskflow-trip-to-lisbon-2026-11-23")]
    [InlineData("里斯本旅行", "taskflow-conversation-2026-11-23")]
    [InlineData("C# vs. F# — which?", "taskflow-c-vs-f-which-2026-11-23")]
    [InlineData("a very long title that goes on and on about nothing in particular until it is cut", "taskflow-a-very-long-title-that-goes-on-and-on-about-nothing-in-parti-2026-11-23")]
    public void File_names_are_ascii_slugs_of_the_title_and_the_day(string title, string expected)
    {
        Assert.Equal(expected, ConversationExport.FileName(Conversation(title)));
    }

    [Fact]
    public void Markdown_has_the_title_then_each_message_with_who_and_when_and_marks_an_interrupted_one()
    {
        var markdown = ConversationExport.ToMarkdown(Conversation("Trip", [
            new MessageView(Guid.NewGuid(), "user", "Where should I eat?", "completed", null, null, Started),
            new MessageView(Guid.NewGuid(), "assistant", "Try **Alfama**.\n\n- fish\n", "interrupted", 12, 5, Started.AddMinutes(1)),
        ]));

        Assert.Equal(
            "# Trip\n\nModel `qwen3` (ollama) · started 2026-11-23 09:30 UTC · 2 messages\n\n" +
            "## You · 2026-11-23 09:30 UTC\n\nWhere should I eat?\n\n" +
            "## TaskFlow · 2026-11-23 09:31 UTC · interrupted\n\nTry **Alfama**.\n\n- fish\n\n",
            markdown.ReplaceLineEndings("\n"));
    }

    private static ConversationDetail Conversation(string title, IReadOnlyList<MessageView>? messages = null) =>
        new(Guid.NewGuid(), title, "active", "qwen3", "ollama", Started, Started, messages ?? []);
}
