using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Conversations;

/// <summary>Deleting a conversation removes what the user wrote and got in it from Telemetry's logs and stats too.</summary>
[Collection(StackCollection.Name)]
public sealed class ConversationDeletionTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Deleting_a_conversation_removes_its_previews_from_recent_stats_and_the_inference_logs()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var marker = $"okapi{Guid.NewGuid():N}"[..16];
        var conversationId = await ConversationDeletion.ChatAsync(user, $"Plan a weekend in Lisbon for {marker}");
        var kept = await ConversationDeletion.ChatAsync(user, $"And a second conversation about {marker}");

        var before = await ConversationDeletion.RecentWithTextAsync(user, marker, count: 2);
        Assert.All(before, item => Assert.NotEqual("", item.GetProperty("outputPreview").GetString()));
        Assert.Contains(await InferenceLogs.TextOfConversationAsync(stack, conversationId), row => row.Contains(marker, StringComparison.Ordinal));

        using (var response = await user.Http.DeleteAsync($"/api/conversations/{conversationId}"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await ConversationDeletion.ScrubbedAsync(stack, conversationId);
        // The other conversation keeps its previews; the deleted one's calls still count in the numbers.
        var after = await ConversationDeletion.RecentWithTextAsync(user, marker, count: 1);
        Assert.Contains(await InferenceLogs.TextOfConversationAsync(stack, kept), row => row.Contains(marker, StringComparison.Ordinal));
        Assert.Single(after);
        var recent = await user.Http.GetFromJsonAsync<JsonElement>("/api/stats/recent");
        Assert.Equal(2, recent.GetProperty("items").GetArrayLength());
        Assert.Single(recent.GetProperty("items").EnumerateArray(), item => item.GetProperty("inputPreview").GetString() == ""
            && item.GetProperty("outputPreview").GetString() == "");
    }
}

internal static class ConversationDeletion
{
    /// <summary>One completed turn in a new conversation; returns the conversation's id.</summary>
    public static async Task<Guid> ChatAsync(TestUser user, string prompt)
    {
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.True(events[^1].Type() == "ai_done", $"the turn \"{prompt}\" ended with {events[^1]}");
        return Guid.Parse(events.First(e => e.Type() == "message_accepted").Str("conversationId"));
    }

    public static async Task<List<JsonElement>> RecentAsync(TestUser user)
    {
        var recent = await user.Http.GetFromJsonAsync<JsonElement>("/api/stats/recent");
        return [.. recent.GetProperty("items").EnumerateArray()];
    }

    /// <summary>The caller's recent calls whose prompt preview holds <paramref name="marker"/>, once there are <paramref name="count"/>.</summary>
    public static Task<List<JsonElement>> RecentWithTextAsync(TestUser user, string marker, int count) =>
        Eventually.GetAsync(async () =>
        {
            var items = (await RecentAsync(user))
                .Where(i => i.GetProperty("inputPreview").GetString()!.Contains(marker, StringComparison.Ordinal)).ToList();
            return items.Count == count ? items : null;
        }, what: $"{count} recent call(s) showing {marker}");

    /// <summary>Waits until every inference log of the conversation is kept without any text.</summary>
    public static Task ScrubbedAsync(TaskFlowStack stack, Guid conversationId, TimeSpan? timeout = null) =>
        Eventually.GetAsync(async () =>
        {
            var rows = await InferenceLogs.TextOfConversationAsync(stack, conversationId);
            return rows.Count > 0 && rows.All(row => row == "||") ? rows : null;
        }, timeout, $"the inference logs of {conversationId} to be scrubbed");
}
