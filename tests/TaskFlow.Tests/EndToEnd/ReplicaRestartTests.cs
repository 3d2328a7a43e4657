using System.Text.Json;
using TaskFlow.LocalInfra;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>The socket's state lives in PostgreSQL and Redis, so losing the ChatSocket process mid-answer loses nothing.</summary>
[Collection(StackCollection.Name)]
public sealed class ReplicaRestartTests(TaskFlowStack stack)
{
    [Fact]
    public async Task After_a_chatsocket_restart_mid_answer_the_client_resumes_and_gets_every_token_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        const string prompt = "survive a restart of the socket service please [[delay:150]]";
        var expected = string.Concat(FakeModelServer.ReplyTo(prompt));
        var seen = new List<JsonElement>();
        Guid conversationId;

        var chatSocket = stack.Services[TaskFlowTopology.ChatSocket];
        await using (var first = await user.ConnectAsync())
        {
            await first.SendUserMessageAsync(prompt);
            var events = await first.ReceiveUntilAsync("ai_token");
            events.AddRange(await first.ReceiveUntilAsync("ai_token"));
            conversationId = Guid.Parse(events[0].Str("conversationId"));
            seen.AddRange(events.Where(e => e.Type() == "ai_token"));

            // A crash, not a graceful stop: the worker goes on generating into Redis meanwhile.
            await chatSocket.KillAsync();
        }
        await chatSocket.RestartAsync();
        await chatSocket.WaitHealthyAsync(TimeSpan.FromSeconds(60));

        var lastSeq = seen[^1].GetProperty("seq").GetInt64();
        await using var again = await user.ConnectAsync($"conversationId={conversationId}&lastSeq={lastSeq}");
        var rest = await again.ReceiveUntilAsync("ai_done");

        Assert.Equal("conversation_resumed", rest[0].Type());
        var replayed = rest.Where(e => e.Type() == "ai_token").ToList();
        Assert.Equal(expected, string.Concat(seen.Concat(replayed).Select(e => e.Str("token"))));
        var detail = await user.Http.GetStringAsync($"/api/conversations/{conversationId}");
        Assert.Contains(JsonSerializer.Serialize(expected)[1..^1], detail, StringComparison.Ordinal);
    }
}
