using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Conversations;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// "Nothing a user sent or received is lost when RabbitMQ restarts", against the real broker of a stack of its own
/// (restarting the shared one would break every other test).
/// </summary>
[Collection(RestartableStackCollection.Name)]
public sealed class RabbitMqRestartTests(RestartableStack stack)
{
    [Fact]
    public async Task Messages_sent_to_both_replicas_while_RabbitMQ_is_down_are_answered_once_it_is_back_without_resending()
    {
        await using var chats = await stack.OpenChatsOnBothReplicasAsync(2, i => $"answer me when the queue is back {i} {Guid.NewGuid():N}");
        var owner = chats[0].User;
        const string overHttp = "and me, sent over HTTP while the queue is down";
        // A conversation Telemetry has logged, deleted during the outage.
        var marker = $"quokka{Guid.NewGuid():N}"[..16];
        var deleted = await ConversationDeletion.ChatAsync(owner, $"Remember the {marker} for me");
        await ConversationDeletion.RecentWithTextAsync(owner, marker, count: 1);

        await stack.RabbitMq.StopAsync();
        var accepted = new List<JsonElement>();
        JsonElement submitted;
        try
        {
            foreach (var chat in chats)
            {
                await chat.Socket.SendUserMessageAsync(chat.Prompt);
                var told = await chat.Socket.ReceiveUntilAsync("job_status", "ai_error");
                accepted.Add(Assert.Single(told, e => e.Type() == "message_accepted"));
                Assert.Equal("job_status", told[^1].Type());
                Assert.Equal("delayed", told[^1].Str("status"));
                Assert.Equal("QUEUE_UNAVAILABLE", told[^1].Str("code"));
            }
            using var response = await owner.Http.PostAsJsonAsync("/api/chat", new { message = overHttp });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            submitted = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("delayed", submitted.Str("status"));

            using (var deletion = await owner.Http.DeleteAsync($"/api/conversations/{deleted}"))
            {
                Assert.Equal(HttpStatusCode.OK, deletion.StatusCode);
            }
            // ChatSocket still accepts and stores messages, so it stays ready: the outage is reported, not fatal.
            foreach (var replica in stack.Services.Replicas(ServiceNames.ChatSocket))
            {
                using var health = await owner.Http.GetAsync(new Uri(replica.Url + "/health"));
                Assert.True(health.IsSuccessStatusCode, $"{replica} /health answered {(int)health.StatusCode} while RabbitMQ was down");
            }
            // Nothing reached Telemetry yet: the deletion waits in ChatSocket's outbox, not in a lost publish.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Contains(await InferenceLogs.TextOfConversationAsync(stack, deleted), row => row.Contains(marker, StringComparison.Ordinal));
        }
        finally
        {
            await stack.RabbitMq.RestartAsync();
        }

        // Both replicas' redispatchers find the stored jobs; each job still reaches the model once.
        foreach (var (chat, message) in chats.Zip(accepted))
        {
            var conversationId = Guid.Parse(message.Str("conversationId"));
            var generationId = Guid.Parse(message.Str("generationId"));
            Assert.Contains(("user", chat.Prompt), await ChatAnswers.StoredAsync(stack, conversationId));
            var answer = await ChatAnswers.ReceiveAsync(chat.Socket, generationId);
            Assert.Equal(ChatAnswers.Reply(chat.Prompt), answer.Text);
            Assert.False(answer.Restarted);
            Assert.Equal(("assistant", ChatAnswers.Reply(chat.Prompt)), (await ChatAnswers.StoredAsync(stack, conversationId))[^1]);
            Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
            Assert.Equal(1, stack.Model.AttemptsFor(chat.Prompt));
        }

        // The HTTP job follows the same path: its status stream ends with the whole answer.
        var events = await SseClient.ReadAsync(owner.Http, submitted.Str("statusUrl"));
        Assert.Equal("result", events[^1].Event);
        Assert.Equal("completed", events[^1].Data.Str("status"));
        Assert.Equal(ChatAnswers.Reply(overHttp), events[^1].Data.Str("content"));

        // The deletion's event left the outbox once RabbitMQ was back: the conversation's texts are gone from Telemetry.
        await ConversationDeletion.ScrubbedAsync(stack, deleted, TimeSpan.FromSeconds(60));
        await Eventually.GetAsync(async () =>
            (await ConversationDeletion.RecentAsync(owner)).Any(i => i.GetProperty("inputPreview").GetString()!.Contains(marker, StringComparison.Ordinal))
                ? null : "gone", what: "the preview to leave /api/stats/recent");
    }

    [Fact]
    public async Task A_job_waiting_in_the_queue_while_RabbitMQ_restarts_is_answered_after()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var conversationId = await socket.CompleteTurnAsync("open a conversation before the restart");

        // No worker: the job stays in RabbitMQ's queue, where the restart finds it.
        const string prompt = "wait in the queue through a broker restart";
        var generationId = await stack.QueueWithoutWorkersAsync(socket, prompt, _ => stack.RabbitMq.RestartAsync());

        await stack.AssertAnsweredByOneCallAsync(socket, conversationId, generationId, prompt);
    }

    [Fact]
    public async Task A_job_that_reaches_the_queue_twice_is_answered_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var conversationId = await socket.CompleteTurnAsync("open a conversation before the duplicate");

        const string prompt = "answer me only once though I am queued twice";
        var generationId = await stack.QueueWithoutWorkersAsync(socket, prompt, async queued =>
        {
            // As if ChatSocket had died between RabbitMQ's confirmation and recording it: the redispatcher queues a copy.
            await stack.ForgetQueuedAsync(queued, prompt);
            await Eventually.GetAsync(async () => await stack.QueuedAtAsync(queued), what: "the redispatcher to queue the job again");
        });

        await stack.AssertAnsweredByOneCallAsync(socket, conversationId, generationId, prompt);
    }
}
