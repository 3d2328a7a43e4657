using Npgsql;
using StackExchange.Redis;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Queue;

/// <summary>Retries of failed model calls and the models' rate limits, on the real queue.</summary>
// On the restartable stack, whose tests run one at a time: the rate-limit tests fill every worker slot on purpose.
[Collection(RestartableStackCollection.Name)]
public sealed class RetryAndRateLimitTests(RestartableStack stack)
{
    private QueuedJobs Jobs => new(stack);

    [Fact]
    public async Task Transient_failures_are_retried_with_growing_delays_then_succeed()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string message = "flaky model [[fail-times:2:503]]";
        await socket.SendUserMessageAsync(message);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");

        Assert.Equal("ai_done", events[^1].Type());
        var retries = events.Where(e => e.Type() == "job_status").ToList();
        Assert.Equal([1, 2], retries.Select(r => r.GetProperty("attempt").GetInt32()));
        Assert.All(retries, r => Assert.Equal("SERVICE_UNAVAILABLE", r.Str("code")));
        var delays = retries.Select(r => r.GetProperty("retryInMs").GetInt64()).ToList();
        Assert.Equal(delays[0] * 2, delays[1]);
        Assert.Equal(3, stack.Model.AttemptsFor(message));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(message)),
            string.Concat(events.SkipWhile(e => e.Type() != "job_status").Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));

        // Every model call is its own inference log: two failed calls, then the one that answered.
        var calls = await InferenceLogs.CallsAsync(stack, Guid.Parse(events[^1].Str("generationId")), atLeast: 3);
        Assert.Equal(["1|failed|SERVICE_UNAVAILABLE", "2|failed|SERVICE_UNAVAILABLE", "3|completed|"], calls);
    }

    [Fact]
    public async Task After_the_last_retry_the_job_fails_and_the_user_is_told_why()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string message = "always down [[fail-times:9:503]]";
        await socket.SendUserMessageAsync(message);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");

        Assert.Equal("ai_error", events[^1].Type());
        Assert.Equal("SERVICE_UNAVAILABLE", events[^1].Str("code"));
        Assert.Contains("try again", events[^1].Str("error"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, events.Count(e => e.Type() == "job_status"));
        Assert.Equal(4, stack.Model.AttemptsFor(message));
        var calls = await InferenceLogs.CallsAsync(stack, Guid.Parse(events[^1].Str("generationId")), atLeast: 4);
        Assert.Equal(Enumerable.Range(1, 4).Select(attempt => $"{attempt}|failed|SERVICE_UNAVAILABLE"), calls);
    }

    [Fact]
    public async Task An_answer_the_model_server_cuts_off_is_not_stored_as_complete_but_retried()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        // Ollama's crashed-runner case: two tokens, an {"error"} line in the 200 stream, no final done line.
        const string message = "runner dies once [[cut-times:1:2]]";
        await socket.SendUserMessageAsync(message);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");

        Assert.Equal("ai_done", events[^1].Type());
        Assert.Equal("ABORT", events.Single(e => e.Type() == "job_status").Str("code"));
        Assert.True(events.Last(e => e.Type() == "ai_start").GetProperty("restarted").GetBoolean());
        var expected = string.Concat(FakeModelServer.ReplyTo(message));
        Assert.Equal(expected, string.Concat(events.SkipWhile(e => e.Type() != "job_status").Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));

        var generationId = Guid.Parse(events[^1].Str("generationId"));
        Assert.Equal(["1|failed|ABORT", "2|completed|"], await InferenceLogs.CallsAsync(stack, generationId, atLeast: 2));
        await using var db = await stack.OpenDatabaseAsync();
        await using var stored = new NpgsqlCommand("SELECT status || '|' || content FROM chat.messages WHERE id = @id", db);
        stored.Parameters.AddWithValue("id", generationId);
        Assert.Equal("completed|" + expected, await Eventually.GetAsync(async () => await stored.ExecuteScalarAsync() as string, what: "the stored answer"));
    }

    [Fact]
    public async Task Permanent_failures_are_not_retried()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string message = "no such thing [[fail:404]]";
        await socket.SendUserMessageAsync(message);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");

        Assert.Equal("MODEL_NOT_FOUND", events[^1].Str("code"));
        Assert.DoesNotContain(events, e => e.Type() == "job_status");
        Assert.Equal(1, stack.Model.AttemptsFor(message));
    }

    [Fact]
    public async Task The_models_rate_limit_holds_and_waiting_jobs_say_they_are_throttled()
    {
        await ResetRateLimitAsync();
        using var user = await TestUser.SignUpAsync(stack);
        var sockets = new List<ChatSocketClient>();
        try
        {
            for (var i = 0; i < TaskFlowStack.RateLimitedModelPerMinute + 1; i++)
            {
                var socket = await user.ConnectAsync($"model={TaskFlowStack.RateLimitedModel}");
                sockets.Add(socket);
                await socket.SendUserMessageAsync($"limited call {i}");
            }
            var outcomes = new List<string>();
            foreach (var socket in sockets)
            {
                var last = (await socket.ReceiveUntilAsync("ai_done", "job_status"))[^1];
                outcomes.Add(last.Type() == "ai_done" ? "done" : last.Str("status"));
            }
            Assert.Equal(TaskFlowStack.RateLimitedModelPerMinute, outcomes.Count(o => o == "done"));
            Assert.Equal(1, outcomes.Count(o => o == "throttled"));
        }
        finally
        {
            await CancelAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Jobs_waiting_for_a_models_rate_limit_leave_their_slots_to_jobs_on_other_models()
    {
        await ResetRateLimitAsync();
        using var flooder = await TestUser.SignUpAsync(stack);
        using var other = await TestUser.SignUpAsync(stack);
        var sockets = new List<ChatSocketClient>();
        try
        {
            // The first calls take the minute's permits at once; the rest must wait about a minute for theirs.
            var lows = new List<Guid>();
            for (var i = 0; i < TaskFlowStack.RateLimitedModelPerMinute + 2 * Jobs.Slots; i++)
            {
                var socket = await flooder.ConnectAsync($"model={TaskFlowStack.RateLimitedModel}");
                sockets.Add(socket);
                await socket.SendUserMessageAsync($"flood {i}", "low");
                lows.Add(Guid.Parse((await socket.ReceiveUntilAsync("message_accepted"))[^1].Str("generationId")));
            }
            // Enough of them taken by a worker that, were waiting jobs to keep their slots, every slot would be held.
            await Eventually.GetAsync(async () =>
                (await Jobs.CountAsync(lows, startedBefore: DateTime.UtcNow.AddHours(1))) >= TaskFlowStack.RateLimitedModelPerMinute + Jobs.Slots ? (object)true : null,
                TimeSpan.FromSeconds(60), "the flood to reach the worker");

            var medium = await QueuedJobs.SubmitAsync(other, "not on the limited model", "medium");

            var started = (await Jobs.StartTimesAsync([medium]))[medium];
            await using var db = await stack.OpenDatabaseAsync();
            await using var wait = new NpgsqlCommand("SELECT extract(epoch FROM started_at - created_at) FROM chat.generations WHERE id = @id", db);
            wait.Parameters.AddWithValue("id", medium);
            var waitedSeconds = Convert.ToDouble(await wait.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            // The throttled jobs' wait lasts until their permits free up, most of a minute; a free slot takes seconds.
            Assert.True(waitedSeconds < 15, $"the medium job waited {waitedSeconds:0.0} s for a slot");
            var lowsDoneBefore = await Jobs.CountAsync(lows, finishedBefore: started);
            Assert.True(lowsDoneBefore <= TaskFlowStack.RateLimitedModelPerMinute,
                $"{lowsDoneBefore} low jobs had finished: the medium one must not have waited for a throttled one");
        }
        finally
        {
            await CancelAllAsync(sockets);
            await ResetRateLimitAsync();
        }
    }

    [Fact]
    public async Task A_job_that_waited_for_the_rate_limit_logs_its_call_as_the_first()
    {
        // The window full of calls that leave it in a few seconds: the job is throttled, waits for them, then runs.
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var window = new RedisKey($"taskflow:ratelimit:{TaskFlowStack.RateLimitedModel}");
        var leaving = DateTimeOffset.UtcNow.AddSeconds(-56).ToUnixTimeMilliseconds();
        await redis.GetDatabase().KeyDeleteAsync(window);
        await redis.GetDatabase().SortedSetAddAsync(window,
            [.. Enumerable.Range(0, TaskFlowStack.RateLimitedModelPerMinute).Select(i => new SortedSetEntry($"earlier-call-{i}", leaving))]);
        try
        {
            using var user = await TestUser.SignUpAsync(stack);
            await using var socket = await user.ConnectAsync($"model={TaskFlowStack.RateLimitedModel}");
            await socket.SendUserMessageAsync("worth the wait");
            var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");

            Assert.Contains(events, e => e.Type() == "job_status" && e.Str("status") == "throttled");
            Assert.Equal("ai_done", events[^1].Type());
            // The number the throttled start took was given back: the only call is the first, not the second.
            var calls = await InferenceLogs.CallsAsync(stack, Guid.Parse(events[^1].Str("generationId")));
            Assert.Equal(["1|completed|"], calls);
        }
        finally
        {
            await ResetRateLimitAsync();
        }
    }

    [Fact]
    public async Task The_offline_model_is_not_held_back_by_the_rate_limit()
    {
        // The worker's built-in model (docs/queue.md: exempt, there is no provider to protect).
        const string offline = "taskflow-offline";
        var window = new RedisKey($"taskflow:ratelimit:{offline}");
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var database = redis.GetDatabase();
        // A window fuller than any limit the stack sets (Inference:RateLimitPerMinute is 100 000 here).
        const int full = 100_001;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await database.SortedSetAddAsync(window, [.. Enumerable.Range(0, full).Select(i => new SortedSetEntry($"earlier-call-{i}", now))]);
        try
        {
            using var user = await TestUser.SignUpAsync(stack);
            await using var socket = await user.ConnectAsync($"model={offline}");
            await socket.SendUserMessageAsync("answer me offline");
            var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");

            Assert.True(events.Single(e => e.Type() == "conversation_created").GetProperty("offline").GetBoolean());
            Assert.Equal("ai_done", events[^1].Type());
            Assert.DoesNotContain(events, e => e.Type() == "job_status");
            Assert.Equal(full, await database.SortedSetLengthAsync(window));
        }
        finally
        {
            await database.KeyDeleteAsync(window);
        }
    }

    /// <summary>Cancels the sockets' answers, which frees whatever the throttled jobs still hold, and closes them.</summary>
    private static async Task CancelAllAsync(IEnumerable<ChatSocketClient> sockets)
    {
        foreach (var socket in sockets)
        {
            await socket.SendAsync(new { type = "cancel" });
            await socket.DisposeAsync();
        }
    }

    /// <summary>Empties the limited model's window, so a test's own calls are the ones in it.</summary>
    private async Task ResetRateLimitAsync()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        await redis.GetDatabase().KeyDeleteAsync($"taskflow:ratelimit:{TaskFlowStack.RateLimitedModel}");
    }
}
