using TaskFlow.ChatSocket.Sockets;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>The seed's greeting: streamed when a new conversation opens, in the client's language, never stored.</summary>
[Collection(StackCollection.Name)]
public sealed class GreetingTests(TaskFlowStack stack)
{
    private static readonly EngagementOptions Defaults = new();

    [Theory]
    [InlineData("lang=en", "en")]
    [InlineData("lang=zh-Hans", "zh-Hans")]
    public async Task A_new_conversation_is_greeted_like_an_answer_that_is_not_stored(string query, string language)
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync(query + "&greeting=true");
        var events = await socket.ReceiveUntilAsync("ai_done");
        Assert.Equal("ai_start", events[0].Type());
        Assert.Equal("greeting", events[0].Str("kind"));
        var id = events[0].Str("generationId");
        Assert.All(events, e => Assert.Equal(id, e.Str("generationId")));
        Assert.Equal(Defaults.Texts[language].Greeting, string.Concat(events.Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));
        Assert.Equal("completed", events[^1].Str("status"));

        await socket.SendUserMessageAsync("hello after the greeting");
        var turn = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", turn[^1].Type());
        var conversationId = Guid.Parse(turn.First(e => e.Type() == "conversation_created").Str("conversationId"));
        Assert.Equal(["user", "assistant"], (await ChatAnswers.StoredAsync(stack, conversationId)).Select(m => m.Role));
    }

    [Fact]
    public async Task A_resumed_conversation_or_a_client_that_declines_is_not_greeted()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using (var declined = await user.ConnectAsync("greeting=false"))
        {
            await declined.SendUserMessageAsync("no greeting please");
            var turn = await declined.ReceiveUntilAsync("ai_done", "ai_error");
            Assert.Equal("conversation_created", turn[0].Type());
            var conversationId = turn[0].Str("conversationId");

            await using var resumed = await user.ConnectAsync($"conversationId={conversationId}&greeting=true");
            Assert.Equal("conversation_resumed", (await resumed.ReceiveAsync())!.Value.Type());
            await resumed.SendUserMessageAsync("still none");
            Assert.DoesNotContain(await resumed.ReceiveUntilAsync("ai_done", "ai_error"), e => e.Type() == "ai_start" && e.Str("kind") == "greeting");
        }
    }
}
