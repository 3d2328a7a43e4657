using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Context;

/// <summary>An answer cut off by a new message: the next prompt carries the seed's interruption context and the partial answer.</summary>
[Collection(StackCollection.Name)]
public sealed class InterruptionContextEndToEndTests(TaskFlowStack stack)
{
    [Fact]
    public async Task The_model_hears_what_it_had_said_where_it_was_cut_off_and_what_the_user_said()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        // The fake answers "You said: Tell me a story. It is a long one. That is all…", one word per 200 ms.
        const string first = "Tell me a story. It is a long one [[delay:200]]";
        const string second = "Actually, make it a poem instead.";
        await socket.SendUserMessageAsync(first);
        var seen = "";
        while (!seen.Contains("story. It", StringComparison.Ordinal))
        {
            seen += string.Concat((await socket.ReceiveUntilAsync("ai_token")).Where(e => e.Type() == "ai_token").Select(e => e.Str("token")));
        }

        await socket.SendUserMessageAsync(second);
        var after = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", after[^1].Type());
        var partial = after.Single(e => e.Type() == "ai_interrupted").Str("partialContent");
        Assert.StartsWith("You said: Tell me a story. It", partial, StringComparison.Ordinal);

        // Whole sentences up to the last full stop were said; the rest is the sentence it was in the middle of.
        var stop = partial.TrimEnd().EndsWith('.') ? partial.Length : partial.LastIndexOf(". ", StringComparison.Ordinal) + 1;
        var fullySaid = partial[..stop].Trim();
        var cutOff = partial[stop..].Trim();
        var expectedContext = "[INTERRUPTION CONTEXT] You were speaking but the user interrupted you.\n"
            + $"You had fully said: \"{fullySaid}\"\n"
            + (cutOff.Length > 0 ? $"You were in the middle of saying: \"{cutOff}\" when you were cut off.\n" : "")
            + $"The user interrupted with: \"{second}\"\n"
            + "Please respond to the user's interruption, continuing or adjusting your thoughts naturally. Do not repeat what you had fully said.";

        var prompt = stack.Model.Requests.Last(r => r.ToJsonString().Contains(second, StringComparison.Ordinal));
        var messages = prompt["messages"]!.AsArray().Select(m => (Role: m!["role"]!.GetValue<string>(), Text: m["content"]!.GetValue<string>())).ToList();
        Assert.Equal(
            [("system", expectedContext), ("user", first), ("assistant", partial), ("user", second)],
            messages.Skip(1));
        Assert.Equal("system", messages[0].Role);
    }
}
