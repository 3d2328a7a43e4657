using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>What one user can hold is bounded, with a clear error beyond it, and freed as soon as it ends.</summary>
[Collection(StackCollection.Name)]
public sealed class UserLimitTests(TaskFlowStack stack)
{
    /// <summary>The production defaults (docs/configuration.md); the test stack keeps them.</summary>
    private const int MaxSockets = 20;
    private const int MaxOpenJobs = 16;

    [Fact]
    public async Task One_socket_more_than_allowed_is_told_why_and_closed_and_a_freed_place_can_be_taken()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var sockets = new List<ChatSocketClient>();
        try
        {
            for (var i = 0; i < MaxSockets; i++)
            {
                sockets.Add(await user.ConnectAsync());
            }
            await using (var extra = await user.ConnectAsync())
            {
                var error = (await extra.ReceiveAsync())!.Value;
                Assert.Equal("TOO_MANY_CONNECTIONS", error.Str("code"));
                Assert.Contains("Close one", error.Str("error"), StringComparison.Ordinal);
                Assert.Null(await extra.ReceiveAsync());
                Assert.Equal(4429, (int)extra.CloseStatus!);
            }

            // Another user is not affected by this one's sockets.
            using var other = await TestUser.SignUpAsync(stack);
            await using (var theirs = await other.ConnectAsync())
            {
                await theirs.SendUserMessageAsync("am I let in?");
                Assert.Equal("ai_done", (await theirs.ReceiveUntilAsync("ai_done", "ai_error"))[^1].Type());
            }

            await sockets[0].DisposeAsync();
            sockets.RemoveAt(0);
            await using var again = await Eventually.GetAsync(async () =>
            {
                var candidate = await user.ConnectAsync();
                await candidate.SendUserMessageAsync("a place came free");
                var first = await candidate.ReceiveAsync();
                if (first?.Str("type") == "ai_error")
                {
                    await candidate.DisposeAsync();
                    return null;
                }
                return candidate;
            }, TimeSpan.FromSeconds(20), "the closed socket's place to come free");
            Assert.Equal("ai_done", (await again.ReceiveUntilAsync("ai_done", "ai_error"))[^1].Type());
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task One_job_more_than_allowed_is_refused_on_every_API_and_stores_nothing_until_one_ends()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var hold = Guid.NewGuid().ToString("N");
        try
        {
            var held = new List<Guid>();
            for (var i = 0; i < MaxOpenJobs; i++)
            {
                var accepted = await user.Http.PostAsJsonAsync("/api/chat", new { message = $"held {i} [[hold:{hold}]]" });
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                held.Add(Guid.Parse((await accepted.Content.ReadFromJsonAsync<JsonElement>()).Str("conversationId")));
            }

            var refused = await user.Http.PostAsJsonAsync("/api/chat", new { message = "one too many" });
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("TOO_MANY_JOBS", problem.Str("title"));
            Assert.Contains("Wait for one to finish", problem.Str("detail"), StringComparison.Ordinal);

            await using var socket = await user.ConnectAsync();
            await socket.SendUserMessageAsync("one too many, by socket");
            var error = (await socket.ReceiveAsync())!.Value;
            Assert.Equal("TOO_MANY_JOBS", error.Str("code"));

            var conversations = await user.Http.GetFromJsonAsync<JsonElement>("/api/conversations");
            Assert.Equal(MaxOpenJobs, conversations.GetProperty("conversations").GetArrayLength());

            // In a conversation that exists, the count is taken inside the turn: refused the same way, nothing stored.
            var inConversation = await user.Http.PostAsJsonAsync("/api/chat", new { message = "one too many, in a conversation", conversationId = held[0] });
            Assert.Equal(HttpStatusCode.TooManyRequests, inConversation.StatusCode);
            Assert.Equal("TOO_MANY_JOBS", (await inConversation.Content.ReadFromJsonAsync<JsonElement>()).Str("title"));
            var messages = (await user.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{held[0]}")).GetProperty("messages");
            Assert.DoesNotContain(messages.EnumerateArray(), m => m.Str("content").Contains("one too many", StringComparison.Ordinal));
        }
        finally
        {
            stack.Model.Release(hold);
        }

        // Once they have ended, the user may send again.
        await Eventually.GetAsync(async () =>
        {
            var response = await user.Http.PostAsJsonAsync("/api/chat", new { message = "room again" });
            return response.StatusCode == HttpStatusCode.Accepted ? (object)true : null;
        }, TimeSpan.FromSeconds(60), "the held jobs to end");
    }
}
