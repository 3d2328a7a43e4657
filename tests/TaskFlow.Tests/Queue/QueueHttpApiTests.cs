using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Queue;

/// <summary>The queue demo's HTTP API through the gateway: submit, follow with SSE (and resume), stats, history.</summary>
[Collection(StackCollection.Name)]
public sealed class QueueHttpApiTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_submitted_job_can_be_followed_to_its_result_over_server_sent_events()
    {
        using var user = await TestUser.SignUpAsync(stack);
        const string message = "queued over plain HTTP";
        var submitted = await SubmitAsync(user, new { message, priority = "high" });
        Assert.Equal("high", submitted.GetProperty("priority").GetString());
        Assert.True(submitted.GetProperty("position").GetInt64() >= 1);
        var statusUrl = submitted.GetProperty("statusUrl").GetString()!;

        var events = await SseClient.ReadAsync(user.Http, statusUrl);

        var names = events.Select(e => e.Event).ToList();
        Assert.Equal("result", names[^1]);
        Assert.Contains("ai_done", names);
        var tokens = events.Where(e => e.Event == "ai_token").ToList();
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(message)), string.Concat(tokens.Select(t => t.Data.GetProperty("token").GetString())));
        Assert.All(tokens, t => Assert.Equal(t.Data.GetProperty("seq").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), t.Id));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(message)), events[^1].Data.GetProperty("content").GetString());
        Assert.Equal("completed", events[^1].Data.GetProperty("status").GetString());
        var progress = events.Where(e => e.Event == "progress").Select(e => e.Data.GetProperty("percent").GetInt32()).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(100, progress[^1]);
    }

    [Fact]
    public async Task Reconnecting_with_last_event_id_resumes_after_that_token()
    {
        using var user = await TestUser.SignUpAsync(stack);
        const string message = "resume my event stream please [[delay:100]]";
        var statusUrl = (await SubmitAsync(user, new { message })).GetProperty("statusUrl").GetString()!;

        var first = await SseClient.ReadAsync(user.Http, statusUrl, stopAfter: e => e.Event == "ai_token" && e.Data.GetProperty("seq").GetInt64() >= 4);
        var lastId = first[^1].Id!;
        var rest = await SseClient.ReadAsync(user.Http, statusUrl, lastEventId: lastId);

        var seen = first.Concat(rest).Where(e => e.Event == "ai_token").Select(e => e.Data.GetProperty("token").GetString());
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(message)), string.Concat(seen));
        Assert.All(rest.Where(e => e.Event == "ai_token"), e => Assert.True(long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(lastId, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Resuming_sends_only_what_follows_the_last_event_and_nothing_once_the_end_was_sent()
    {
        using var user = await TestUser.SignUpAsync(stack);
        const string message = "resume strictly after my last event [[delay:100]]";
        var statusUrl = (await SubmitAsync(user, new { message })).GetProperty("statusUrl").GetString()!;

        var first = await SseClient.ReadAsync(user.Http, statusUrl, stopAfter: e => e.Event == "ai_token" && e.Data.GetProperty("seq").GetInt64() >= 5);
        var lastId = Id(first[^1]);
        var rest = await SseClient.ReadAsync(user.Http, statusUrl, lastEventId: lastId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("result", rest[^1].Event);
        Assert.All(rest, e => Assert.True(Id(e) > lastId, $"{e.Event} with id {e.Id} was sent again after {lastId}"));
        Assert.Equal(rest.Select(Id).Order(), rest.Select(Id));
        var progress = first.Concat(rest).Where(e => e.Event == "progress").Select(e => e.Data.GetProperty("percent").GetInt32()).ToList();
        Assert.Equal(progress.Distinct().Order(), progress);
        Assert.Equal(100, progress[^1]);
        Assert.Single(first.Concat(rest), e => e.Event == "ai_start");
        var tokens = first.Concat(rest).Where(e => e.Event == "ai_token").Select(e => e.Data.GetProperty("token").GetString());
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(message)), string.Concat(tokens));

        // A client that had the end is told there is nothing more (EventSource stops on 204), however often it comes back.
        for (var again = 0; again < 2; again++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, statusUrl);
            request.Headers.Add("Last-Event-ID", rest[^1].Id);
            using var response = await user.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Overlapping_posts_to_one_conversation_are_stored_in_turn_order()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var opening = await SubmitAsync(user, new { message = "opening turn" });
        var conversationId = opening.GetProperty("conversationId").GetGuid();
        await SseClient.ReadAsync(user.Http, opening.GetProperty("statusUrl").GetString()!);

        // Both slow, so whichever is stored first is still being answered when the other arrives.
        string[] messages = ["second turn [[delay:100]]", "third turn [[delay:100]]"];
        var responses = await Task.WhenAll(messages.Select(message => user.Http.PostAsJsonAsync("/api/chat", new { message, conversationId })));

        var accepted = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        var refused = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Conflict);
        var job = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("GENERATION_IN_PROGRESS", problem.GetProperty("title").GetString());
        Assert.Contains(job.GetProperty("statusUrl").GetString()!, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await SseClient.ReadAsync(user.Http, job.GetProperty("statusUrl").GetString()!);

        // Once that answer is in, the refused message is taken.
        var retried = messages[Array.IndexOf(responses, refused)];
        var next = await SubmitAsync(user, new { message = retried, conversationId });
        await SseClient.ReadAsync(user.Http, next.GetProperty("statusUrl").GetString()!);

        var conversation = await Eventually.GetAsync(async () =>
        {
            var detail = await user.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
            return detail.GetProperty("messages").GetArrayLength() == 6 ? (JsonElement?)detail : null;
        }, what: "six stored messages");
        var stored = conversation!.Value.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user", "assistant", "user", "assistant"], stored.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(stored[2].GetProperty("content").GetString()!)), stored[3].GetProperty("content").GetString());
        Assert.Equal(retried, stored[4].GetProperty("content").GetString());
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(retried)), stored[5].GetProperty("content").GetString());
    }

    private static long Id(SseEvent e) => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Jobs_of_another_user_and_bad_submissions_are_refused_clearly()
    {
        using var owner = await TestUser.SignUpAsync(stack);
        using var stranger = await TestUser.SignUpAsync(stack);
        var job = await SubmitAsync(owner, new { message = "mine" });
        await SseClient.ReadAsync(owner.Http, job.GetProperty("statusUrl").GetString()!);

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/stream/status/{Guid.NewGuid()}")).StatusCode);
        var empty = await owner.Http.PostAsJsonAsync("/api/chat", new { message = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var badPriority = await owner.Http.PostAsJsonAsync("/api/chat", new { message = "hi", priority = "urgent" });
        Assert.Equal(HttpStatusCode.BadRequest, badPriority.StatusCode);
        Assert.Contains("priority", await badPriority.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unknownConversation = await owner.Http.PostAsJsonAsync("/api/chat", new { message = "hi", conversationId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.NotFound, unknownConversation.StatusCode);
    }

    [Fact]
    public async Task History_keeps_the_last_fifty_jobs_newest_first_and_stats_count_them()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var submitted = new List<Guid>();
        for (var i = 0; i < 52; i++)
        {
            submitted.Add((await SubmitAsync(user, new { message = $"history item {i}", priority = "low" })).GetProperty("jobId").GetGuid());
        }
        var history = await Eventually.GetAsync(async () =>
        {
            var body = await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs");
            var jobs = body.GetProperty("jobs").EnumerateArray().ToList();
            // A start is recorded from its own queue (GenerationStarted), which may come after the result, or, for an
            // answer as short as these, from the result itself.
            return jobs.All(j => j.GetProperty("status").GetString() == "completed" && j.GetProperty("waitMs").ValueKind == JsonValueKind.Number)
                ? jobs : null;
        }, TimeSpan.FromSeconds(60), "all 52 jobs to complete, their starts recorded");

        Assert.Equal(50, history.Count);
        Assert.Equal(submitted.AsEnumerable().Reverse().Take(50), history.Select(j => j.GetProperty("jobId").GetGuid()));
        Assert.All(history, j =>
        {
            Assert.Equal(FakeModelServer.ModelName, j.GetProperty("model").GetString());
            Assert.Equal("low", j.GetProperty("priority").GetString());
            Assert.True(j.GetProperty("waitMs").GetInt64() >= 0);
            Assert.True(j.GetProperty("durationMs").GetInt64() >= 0);
        });

        var stats = await user.Http.GetFromJsonAsync<JsonElement>("/api/queue/stats");
        Assert.True(stats.GetProperty("completed").GetInt32() >= 52);
        Assert.True(stats.GetProperty("throughputPerMinute").GetDouble() > 0);
    }

    [Fact]
    public async Task A_job_that_runs_past_a_moment_shows_as_processing_and_keeps_its_start_when_it_ends()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var hold = "processing-" + Guid.NewGuid().ToString("N");
        var submitted = await SubmitAsync(user, new { message = $"show me as processing [[hold:{hold}]]" });
        var jobId = submitted.GetProperty("jobId").GetGuid();
        JsonElement running;
        try
        {
            // The worker announces the start once the answer has run for Inference:StartAnnouncementDelay.
            running = (await Eventually.GetAsync(async () => await JobAsync(user, jobId) is { } job && job.GetProperty("status").GetString() == "processing" ? job : (JsonElement?)null,
                TimeSpan.FromSeconds(30), "the held job to show as processing"))!.Value;
        }
        finally
        {
            stack.Model.Release(hold);
        }
        await SseClient.ReadAsync(user.Http, submitted.GetProperty("statusUrl").GetString()!);

        var waitMs = running.GetProperty("waitMs").GetInt64();
        var ended = (await Eventually.GetAsync(async () => await JobAsync(user, jobId) is { } job && job.GetProperty("status").GetString() == "completed" ? job : (JsonElement?)null,
            TimeSpan.FromSeconds(30), "the job to complete"))!.Value;
        Assert.Equal(waitMs, ended.GetProperty("waitMs").GetInt64());
        Assert.True(ended.GetProperty("durationMs").GetInt64() >= 0);
    }

    private static async Task<JsonElement?> JobAsync(TestUser user, Guid jobId)
    {
        var body = await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs");
        return body.GetProperty("jobs").EnumerateArray().Where(j => j.GetProperty("jobId").GetGuid() == jobId).Select(j => (JsonElement?)j).FirstOrDefault();
    }

    private static async Task<JsonElement> SubmitAsync(TestUser user, object body)
    {
        var response = await user.Http.PostAsJsonAsync("/api/chat", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
