using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>A user sees and touches only their own conversations and jobs, over every API and the socket.</summary>
[Collection(StackCollection.Name)]
public sealed class IsolationTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Another_users_conversation_is_indistinguishable_from_a_missing_one()
    {
        using var owner = await TestUser.SignUpAsync(stack);
        using var other = await TestUser.SignUpAsync(stack);
        Guid conversationId;
        await using (var socket = await owner.ConnectAsync())
        {
            await socket.SendUserMessageAsync("private thoughts");
            conversationId = Guid.Parse((await socket.ReceiveUntilAsync("ai_done"))[0].Str("conversationId"));
        }

        var foreign = await other.Http.GetAsync($"/api/conversations/{conversationId}");
        var missing = await other.Http.GetAsync($"/api/conversations/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(), await foreign.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.DeleteAsync($"/api/conversations/{conversationId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.PatchAsJsonAsync($"/api/conversations/{conversationId}", new { title = "mine now" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.GetAsync($"/api/conversations/{conversationId}/export")).StatusCode);
        var othersList = await other.Http.GetFromJsonAsync<JsonElement>("/api/conversations");
        Assert.Empty(othersList.GetProperty("conversations").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound,
            (await other.Http.PostAsJsonAsync("/api/chat", new { message = "hijack", conversationId })).StatusCode);

        await using var hijack = await other.ConnectAsync($"conversationId={conversationId}");
        var refused = (await hijack.ReceiveAsync())!.Value;
        Assert.Equal("CONVERSATION_NOT_FOUND", refused.Str("code"));
        Assert.Null(await hijack.ReceiveAsync());
        Assert.Equal(4404, (int)hijack.CloseStatus!.Value);

        // Still there for its owner, untouched.
        var mine = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
        Assert.Equal(2, mine.GetProperty("messages").GetArrayLength());
        Assert.Equal("private thoughts", mine.Str("title"));
    }

    [Fact]
    public async Task Another_users_job_history_stats_and_status_stream_stay_private()
    {
        using var owner = await TestUser.SignUpAsync(stack);
        using var other = await TestUser.SignUpAsync(stack);
        var submitted = await owner.Http.PostAsJsonAsync("/api/chat", new { message = "my secret is 42" });
        var job = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        var jobId = job.GetProperty("jobId").GetGuid();
        await SseClient.ReadAsync(owner.Http, job.GetProperty("statusUrl").GetString()!);

        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.GetAsync($"/stream/status/{jobId}")).StatusCode);
        var othersJobs = await other.Http.GetFromJsonAsync<JsonElement>("/api/jobs");
        Assert.Empty(othersJobs.GetProperty("jobs").EnumerateArray());

        // Telemetry's recent calls carry (redacted) previews: each user sees only their own.
        var ownerRecent = await Eventually.GetAsync(async () =>
        {
            var recent = await owner.Http.GetFromJsonAsync<JsonElement>("/api/stats/recent");
            return recent.GetProperty("items").GetArrayLength() > 0 ? recent.GetRawText() : null;
        }, what: "the owner's inference log");
        Assert.Contains("my secret is 42", ownerRecent, StringComparison.Ordinal);
        var otherRecent = await other.Http.GetFromJsonAsync<JsonElement>("/api/stats/recent");
        Assert.DoesNotContain("my secret is 42", otherRecent.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, otherRecent.GetProperty("items").GetArrayLength());
        // The aggregates are system-wide, but the recent calls they carry are the caller's alone.
        var otherStats = await other.Http.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.DoesNotContain("my secret is 42", otherStats.GetRawText(), StringComparison.Ordinal);
        var ownerStats = await owner.Http.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.Contains("my secret is 42", ownerStats.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_signing_in_the_apis_answer_401_and_the_socket_is_refused()
    {
        using var anonymous = new HttpClient { BaseAddress = stack.Gateway };
        foreach (var path in new[] { "/api/conversations", "/api/models", "/api/jobs", "/api/queue/stats", "/api/keys", "/api/stats" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Sign in", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/chat", new { message = "hi" })).StatusCode);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ChatSocketClient.ConnectAsync(stack.Gateway));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);

        // The page itself sends people to sign in.
        using var browserLike = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.Gateway };
        var page = await browserLike.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/Account/Login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }
}
