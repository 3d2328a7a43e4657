using System.Net.WebSockets;
using System.Text.Json;
using TaskFlow.Tests.Support;
using Xunit.Abstractions;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// A ChatSocket replica killed mid-answer, on a stack of its own (<see cref="ReplicaCrashStack"/>): the client resumes
/// on the other replica and loses nothing, and the AppHost starts the dead one again.
/// </summary>
[Collection(ReplicaCrashStackCollection.Name)]
public sealed class ReplicaCrashTests(ReplicaCrashStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task When_the_replica_holding_a_socket_dies_mid_answer_the_client_resumes_on_the_other_and_loses_nothing()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        await stack.BothReplicasInPoolAsync(Log);
        using var user = await TestUser.SignUpAsync(stack);
        var prompt = $"outlive the replica holding my socket {Guid.NewGuid():N} [[delay:120]]";
        var seen = new List<JsonElement>();
        Guid conversationId;
        Guid generationId;
        string serving;
        IReadOnlyDictionary<string, int> before;
        var restartedAfter = DateTimeOffset.MaxValue;
        await using (var first = await user.ConnectAsync())
        {
            await first.SendUserMessageAsync(prompt);
            var events = await first.ReceiveUntilAsync("ai_token");
            events.AddRange(await first.ReceiveUntilAsync("ai_token"));
            var accepted = events.First(e => e.Type() == "message_accepted");
            conversationId = Guid.Parse(accepted.Str("conversationId"));
            generationId = Guid.Parse(accepted.Str("generationId"));
            seen.AddRange(events.Where(e => e.Type() == "ai_token"));

            serving = await ReplicaWithSocketAsync();
            before = stack.ProcessIds();
            // Taken before the kill: the AppHost starts the replica again about a second later, while this test is
            // still reading the answer, and the orchestrator's log of that start must fall after this instant.
            restartedAfter = DateTimeOffset.UtcNow;
            await stack.Services[serving].KillAsync();
            Log($"killed {serving}");
        }

        try
        {
            // As the page does: reconnect until a replica answers. Until the gateway's probes notice the dead one
            // (a few seconds), an attempt may still be sent there and fail.
            var lastSeq = seen[^1].GetProperty("seq").GetInt64();
            await using var again = await Eventually.GetAsync(async () =>
            {
                try
                {
                    return await user.ConnectAsync($"conversationId={conversationId}&lastSeq={lastSeq}");
                }
                catch (WebSocketException)
                {
                    await Task.Delay(250);
                    return null;
                }
            }, TimeSpan.FromSeconds(30), "a live replica to take the reconnect");
            Log("reconnected");
            var survivor = stack.ChatSockets.Single(replica => replica != serving);
            // Counted when its session starts, a moment after the handshake the client has already seen.
            await Eventually.GetAsync(async () => await stack.MetricAsync(survivor, "ws_connections_active") == 1 ? (object)true : null,
                TimeSpan.FromSeconds(10), $"the reconnected socket to be counted as open on {survivor}");

            var rest = await again.ReceiveUntilAsync("ai_done");
            Assert.Equal("conversation_resumed", rest[0].Type());
            var replayed = rest.Where(e => e.Type() == "ai_token").ToList();
            Assert.All(replayed, token => Assert.True(token.GetProperty("seq").GetInt64() > lastSeq));
            Assert.Equal(ChatAnswers.Reply(prompt), string.Concat(seen.Concat(replayed).Select(e => e.Str("token"))));
            Assert.Equal(("assistant", ChatAnswers.Reply(prompt)), (await ChatAnswers.StoredAsync(stack, conversationId))[^1]);
            Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
        }
        finally
        {
            // The AppHost starts the dead replica again, and nothing else: no other process was restarted.
            await stack.Services[serving].RestartAsync();
            Log($"{serving} running again");
        }
        var after = stack.ProcessIds();
        Assert.NotEqual(before[serving], after[serving]);
        Assert.Equal(before.Where(p => p.Key != serving), after.Where(p => p.Key != serving));

        // Back in the pool once its liveness probe answers: new sockets reach it again.
        if (!await stack.ReplicaBackInPoolAsync(serving, restartedAfter, Log))
        {
            output.WriteLine("Not checked: DCP lost the restarted replica's Endpoint (see above).");
        }
    }

    /// <summary>The one replica with an open socket (the only one this test has open).</summary>
    private async Task<string> ReplicaWithSocketAsync()
    {
        var open = await Task.WhenAll(stack.ChatSockets.Select(async replica => (Replica: replica, Count: await stack.MetricAsync(replica, "ws_connections_active"))));
        return Assert.Single(open, replica => replica.Count > 0).Replica;
    }
}
