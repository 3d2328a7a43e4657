using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Context;

/// <summary>Long conversations: old turns leave the window by token count and survive as the running summary.</summary>
[Collection(StackCollection.Name)]
public sealed class ContextWindowEndToEndTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Turns_that_fall_out_of_the_token_window_reach_the_model_as_a_summary()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        // Each turn is ~1,500 tokens asked plus the same echoed back: the default 6,000-token budget overflows on turn 3.
        var turns = Enumerable.Range(1, 4).Select(i => $"Topic {i} is the subject here. " + string.Join(' ', Enumerable.Repeat($"detail{i}", 1500))).ToList();
        foreach (var turn in turns)
        {
            await socket.SendUserMessageAsync(turn);
            Assert.Equal("ai_done", (await socket.ReceiveUntilAsync("ai_done", "ai_error"))[^1].Type());
        }

        var lastPrompt = stack.Model.Requests.Last(r => r.ToJsonString().Contains("Topic 4 is", StringComparison.Ordinal));
        var contents = lastPrompt["messages"]!.AsArray().Select(m => (Role: m!["role"]!.GetValue<string>(), Text: m["content"]!.GetValue<string>())).ToList();
        var summary = contents.Single(c => c.Role == "system" && c.Text.StartsWith("Summary of the earlier part", StringComparison.Ordinal)).Text;
        Assert.Contains("User asked: Topic 1 is the subject here.", summary, StringComparison.Ordinal);
        Assert.DoesNotContain(contents, c => c.Role == "user" && c.Text.StartsWith("Topic 1", StringComparison.Ordinal));
        Assert.Equal(turns[^1], contents[^1].Text);
    }
}
