using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// Several machines' worth of TaskFlow behind one gateway: two ChatSocket replicas, two workers, one Redis, PostgreSQL
/// and RabbitMQ. Any replica serves any user, and every job runs once whichever replica queued it (a replica that dies
/// is routed around: <see cref="ReplicaCrashTests"/>).
/// </summary>
[Collection(RestartableStackCollection.Name)]
public sealed class ScaleOutTests(RestartableStack stack)
{
    [Fact]
    public async Task Chats_through_the_gateway_spread_over_both_socket_replicas_and_both_workers_and_each_is_answered_once()
    {
        // The gateway sends to the service's one address, where Aspire's proxy (a Kubernetes Service, in a cluster)
        // spreads new connections over the replicas: each holds some of the sockets.
        await using var chats = await stack.OpenChatsOnBothReplicasAsync(8, i => $"spread turn {i} {Guid.NewGuid():N} over the replicas [[delay:40]]");
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
        var calls = await Task.WhenAll(stack.Workers.Select(worker => stack.MetricAsync(worker, "llm_requests_total")));
        Assert.All(calls, count => Assert.True(count > 0, $"model calls per worker: {string.Join(", ", calls)}"));
    }
}
