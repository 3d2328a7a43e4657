using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using TaskFlow.InferenceWorker.Generation;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// Several machines' worth of TaskFlow behind one gateway: two ChatSocket replicas, two workers, one Redis, PostgreSQL
/// and RabbitMQ. Any replica serves any user, every job runs once whichever replica queued it, and a replica that dies
/// is routed around.
/// </summary>
[Collection(ScaleOutStackCollection.Name)]
public sealed class ScaleOutTests(ScaleOutStack stack)
{
    [Fact]
    public async Task Chats_through_the_gateway_spread_over_both_socket_replicas_and_both_workers_and_each_is_answered_once()
    {
        // The gateway balances by open requests, and an open socket is one: each replica holds some of the eight.
        await using var chats = await OpenChatsOnBothReplicasAsync(8, i => $"spread turn {i} {Guid.NewGuid():N} over the replicas [[delay:40]]");
        await Task.WhenAll(chats.Select(chat => chat.Socket.SendUserMessageAsync(chat.Prompt)));
        foreach (var chat in chats)
        {
            var accepted = (await chat.Socket.ReceiveUntilAsync("message_accepted"))[^1];
            var generationId = Guid.Parse(accepted.Str("generationId"));
            var answer = await ChatAnswers.ReceiveAsync(chat.Socket, generationId);
            Assert.Equal(ChatAnswers.Reply(chat.Prompt), answer.Text);
            Assert.False(answer.Restarted);
            Assert.Equal([("user", chat.Prompt), ("assistant", ChatAnswers.Reply(chat.Prompt))],
                await ChatAnswers.StoredAsync(stack, Guid.Parse(accepted.Str("conversationId"))));
            Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
            Assert.Equal(1, stack.Model.AttemptsFor(chat.Prompt));
        }

        // RabbitMQ shares the queue between the workers' consumers: both took jobs.
        var calls = await Task.WhenAll(ScaleOutStack.Workers.Select(worker => SumAsync(worker, "llm_requests_total")));
        Assert.All(calls, count => Assert.True(count > 0, $"model calls per worker: {string.Join(", ", calls)}"));
    }

    [Fact]
    public async Task When_the_replica_holding_a_socket_dies_mid_answer_the_client_resumes_on_the_other_and_loses_nothing()
    {
        await BothReplicasInPoolAsync();
        using var user = await TestUser.SignUpAsync(stack);
        var prompt = $"outlive the replica holding my socket {Guid.NewGuid():N} [[delay:120]]";
        var seen = new List<JsonElement>();
        Guid conversationId;
        Guid generationId;
        string serving;
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
            await stack.Services[serving].KillAsync();
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
            var survivor = ScaleOutStack.ChatSockets.Single(replica => replica != serving);
            Assert.Equal(1, await SumAsync(survivor, "ws_connections_active"));

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
            await stack.Services[serving].RestartAsync();
            await stack.Services[serving].WaitHealthyAsync(TimeSpan.FromSeconds(60));
        }

        // Back in the pool once its liveness probe answers: new sockets reach it again.
        await BothReplicasInPoolAsync();
    }

    [Fact]
    public async Task Messages_taken_by_both_replicas_while_RabbitMQ_is_down_each_run_once_when_it_is_back()
    {
        await using var chats = await OpenChatsOnBothReplicasAsync(4, i => $"wait out the queue outage {i} {Guid.NewGuid():N}");
        var generations = new List<Guid>();
        await stack.RabbitMq.StopAsync();
        try
        {
            foreach (var chat in chats)
            {
                await chat.Socket.SendUserMessageAsync(chat.Prompt);
                var told = await chat.Socket.ReceiveUntilAsync("job_status", "ai_error");
                Assert.Equal("delayed", told[^1].Str("status"));
                generations.Add(Guid.Parse(told.Single(e => e.Type() == "message_accepted").Str("generationId")));
            }
        }
        finally
        {
            await stack.RabbitMq.RestartAsync();
        }

        // Both replicas' redispatchers find the stored jobs; each job still reaches the model once.
        foreach (var (chat, generationId) in chats.Zip(generations))
        {
            var answer = await ChatAnswers.ReceiveAsync(chat.Socket, generationId);
            Assert.Equal(ChatAnswers.Reply(chat.Prompt), answer.Text);
            Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
            Assert.Equal(1, stack.Model.AttemptsFor(chat.Prompt));
        }
    }

    /// <summary>
    /// Waits until every replica and worker is ready, the gateway sends sockets to both replicas (its probes may not
    /// yet have seen one that started late, or came back), and no socket is open, so counts per replica are this test's.
    /// </summary>
    private async Task BothReplicasInPoolAsync()
    {
        // After an earlier test's RabbitMQ outage a worker takes 10 to 15 s to consume again (its /health says Degraded,
        // still HTTP 200), so wait until RabbitMQ sees both workers on the job queue.
        await Task.WhenAll(ScaleOutStack.ChatSockets.Concat(ScaleOutStack.Workers)
            .Select(process => stack.Services[process].WaitHealthyAsync(TimeSpan.FromSeconds(120))));
        await Eventually.GetAsync(async () => await JobQueueConsumersAsync() == ScaleOutStack.Workers.Length ? (object)true : null,
            TimeSpan.FromSeconds(90), "both workers to consume the job queue");
        using var prober = await TestUser.SignUpAsync(stack);
        await Eventually.GetAsync(async () =>
        {
            await using var first = await prober.ConnectAsync();
            await using var second = await prober.ConnectAsync();
            var open = await Task.WhenAll(ScaleOutStack.ChatSockets.Select(replica => SumAsync(replica, "ws_connections_active")));
            return open.All(count => count > 0) ? (object)true : null;
        }, TimeSpan.FromSeconds(30), "the gateway to balance over both replicas");
        await Eventually.GetAsync(async () =>
        {
            var open = await Task.WhenAll(ScaleOutStack.ChatSockets.Select(replica => SumAsync(replica, "ws_connections_active")));
            return open.Sum() == 0 ? (object)true : null;
        }, TimeSpan.FromSeconds(30), "sockets to close");
    }

    /// <summary>Signs up <paramref name="count"/> users, each with a socket through the gateway, spread over both replicas.</summary>
    private async Task<ChatGroup> OpenChatsOnBothReplicasAsync(int count, Func<int, string> prompt)
    {
        await BothReplicasInPoolAsync();
        var chats = new ChatGroup();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var user = await TestUser.SignUpAsync(stack);
                chats.Add(new Chat(user, await user.ConnectAsync(), prompt(i)));
            }
            var open = await Task.WhenAll(ScaleOutStack.ChatSockets.Select(replica => SumAsync(replica, "ws_connections_active")));
            Assert.All(open, sockets => Assert.True(sockets > 0, $"sockets per replica: {string.Join(", ", open)}"));
            return chats;
        }
        catch
        {
            await chats.DisposeAsync();
            throw;
        }
    }

    private async Task<uint> JobQueueConsumersAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(stack.RabbitMq.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(GenerateReplyEndpoint.QueueName)).ConsumerCount;
    }

    /// <summary>The one replica with an open socket (the only one this test has open).</summary>
    private async Task<string> ReplicaWithSocketAsync()
    {
        var open = await Task.WhenAll(ScaleOutStack.ChatSockets.Select(async replica => (Replica: replica, Count: await SumAsync(replica, "ws_connections_active"))));
        return Assert.Single(open, replica => replica.Count > 0).Replica;
    }

    /// <summary>The sum of a metric's samples on one process's /metrics.</summary>
    private async Task<double> SumAsync(string process, string metric)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(new Uri(stack.Services[process].OperatorUrl), "/metrics"));
        return Regex.Matches(text, $@"^{Regex.Escape(metric)}(?:\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline)
            .Sum(match => double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private sealed record Chat(TestUser User, ChatSocketClient Socket, string Prompt);

    private sealed class ChatGroup : List<Chat>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var chat in this)
            {
                await chat.Socket.DisposeAsync();
                chat.User.Dispose();
            }
        }
    }
}
