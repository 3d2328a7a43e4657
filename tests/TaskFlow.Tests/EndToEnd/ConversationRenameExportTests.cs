using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>A conversation can be renamed, and taken away as a file.</summary>
[Collection(StackCollection.Name)]
public sealed class ConversationRenameExportTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_conversation_is_renamed_without_losing_its_place_and_a_bad_title_is_refused()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var conversationId = await ChatAsync(user, "plan a weekend in Lisbon");
        var before = await SummaryAsync(user, conversationId);

        using var renamed = await user.Http.PatchAsJsonAsync($"/api/conversations/{conversationId}", new { title = "  Lisbon, October  " });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Lisbon, October", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).Str("title"));
        var after = await SummaryAsync(user, conversationId);
        Assert.Equal("Lisbon, October", after.Str("title"));
        Assert.Equal(before.Str("updatedAt"), after.Str("updatedAt"));

        foreach (var bad in new[] { "", "   ", new string('x', 81), "two\nlines" })
        {
            using var refused = await user.Http.PatchAsJsonAsync($"/api/conversations/{conversationId}", new { title = bad });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("1 to 80 characters", (await refused.Content.ReadFromJsonAsync<JsonElement>()).Str("error"), StringComparison.Ordinal);
        }
        Assert.Equal("Lisbon, October", (await SummaryAsync(user, conversationId)).Str("title"));
        Assert.Equal(HttpStatusCode.NotFound,
            (await user.Http.PatchAsJsonAsync($"/api/conversations/{Guid.NewGuid()}", new { title = "nothing here" })).StatusCode);
    }

    [Fact]
    public async Task A_conversation_exports_as_Markdown_or_JSON_with_every_message()
    {
        using var user = await TestUser.SignUpAsync(stack);
        const string question = "what should I pack for **Lisbon**?";
        var conversationId = await ChatAsync(user, question);

        using var markdown = await user.Http.GetAsync($"/api/conversations/{conversationId}/export");
        Assert.Equal(HttpStatusCode.OK, markdown.StatusCode);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", markdown.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Matches(@"^""?taskflow-what-should-i-pack-for-lisbon-\d{4}-\d{2}-\d{2}\.md""?$", markdown.Content.Headers.ContentDisposition.FileName);
        var text = await markdown.Content.ReadAsStringAsync();
        Assert.StartsWith($"# {question}\n", text, StringComparison.Ordinal);
        Assert.Contains($"## You · ", text, StringComparison.Ordinal);
        Assert.Contains($"\n{question}\n", text, StringComparison.Ordinal);
        Assert.Contains("## TaskFlow · ", text, StringComparison.Ordinal);
        Assert.Contains($"\n{ChatAnswers.Reply(question).TrimEnd()}\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("## You", StringComparison.Ordinal) < text.IndexOf("## TaskFlow", StringComparison.Ordinal), "messages in order");

        using var json = await user.Http.GetAsync($"/api/conversations/{conversationId}/export?format=json");
        Assert.EndsWith(".json", json.Content.Headers.ContentDisposition!.FileName!.Trim('"'), StringComparison.Ordinal);
        var detail = await json.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([question, ChatAnswers.Reply(question)], detail.GetProperty("messages").EnumerateArray().Select(m => m.Str("content")));

        using var unknown = await user.Http.GetAsync($"/api/conversations/{conversationId}/export?format=pdf");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("markdown or json", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<Guid> ChatAsync(TestUser user, string prompt)
    {
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done");
        return Guid.Parse(events.First(e => e.Type() == "message_accepted").Str("conversationId"));
    }

    private static async Task<JsonElement> SummaryAsync(TestUser user, Guid conversationId)
    {
        var list = await user.Http.GetFromJsonAsync<JsonElement>("/api/conversations");
        return list.GetProperty("conversations").EnumerateArray().Single(c => c.Str("id") == conversationId.ToString());
    }
}
