using Npgsql;
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
        // Each message is ~3,000 tokens and the fake echoes it back, so with the default 6,000-token budget every
        // earlier turn has to leave the window.
        var turns = Enumerable.Range(1, 4).Select(i => $"Topic {i} is the subject here. " + string.Join(' ', Enumerable.Repeat($"detail{i}", 1500))).ToList();
        string? conversationId = null;
        foreach (var turn in turns)
        {
            await socket.SendUserMessageAsync(turn);
            var events = await socket.ReceiveTurnAsync();
            Assert.Equal("ai_done", events[^1].Type());
            conversationId ??= events.First(e => e.Type() == "conversation_created").Str("conversationId");
        }

        var lastPrompt = stack.Model.Requests.Last(r => r.ToJsonString().Contains("Topic 4 is", StringComparison.Ordinal));
        var contents = lastPrompt["messages"]!.AsArray().Select(m => (Role: m!["role"]!.GetValue<string>(), Text: m["content"]!.GetValue<string>())).ToList();
        Assert.Equal(["system", "system", "user"], contents.Select(c => c.Role));
        var summary = contents[1].Text;
        // One line per dropped turn, oldest first, folded turn by turn.
        Assert.Equal(
            "Summary of the earlier part of this conversation (older messages are not shown):\n"
            + "User asked: Topic 1 is the subject here. Assistant answered: You said: Topic 1 is the subject here.\n"
            + "User asked: Topic 2 is the subject here. Assistant answered: You said: Topic 2 is the subject here.\n"
            + "User asked: Topic 3 is the subject here. Assistant answered: You said: Topic 3 is the subject here.",
            summary);
        Assert.Equal(turns[^1], contents[^1].Text);

        await using var db = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT summarized_tokens FROM chat.conversations WHERE id = @id", db);
        command.Parameters.AddWithValue("id", Guid.Parse(conversationId!));
        Assert.True((int)(await command.ExecuteScalarAsync())! > 15_000, "the summarized turns' tokens are kept for the token guard");

        // The seed's warning, for a history far beyond the threshold even though the prompt stays within the budget.
        var warning = new System.Text.RegularExpressions.Regex($@"\[token-guard\] Estimated \d+ tokens \(threshold: 8000\)\. Context: 3 messages, \d+ tokens sent for {conversationId}");
        await Eventually.GetAsync(() => Task.FromResult(ResourceLogFiles.ReadLines(Path.Combine(stack.LogDirectory, "chatsocket.log")).Exists(warning.IsMatch) ? "logged" : null),
            what: "the token-guard warning");
    }
}
