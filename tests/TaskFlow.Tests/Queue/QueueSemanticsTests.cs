using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using TaskFlow.InferenceWorker.Generation;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Queue;

/// <summary>Priority, fairness, concurrency, retries and rate limits on the real RabbitMQ queue.</summary>
// On the restartable stack, whose tests run one at a time: these fill every worker slot on purpose, which would hold
// up the shared stack's tests running beside them, and their jobs' start order must be theirs alone.
[Collection(RestartableStackCollection.Name)]
public sealed class QueueSemanticsTests(RestartableStack stack)
{
    /// <summary>Each worker's slots: the restartable stack keeps the production default.</summary>
    private static readonly int WorkerConcurrency = new InferenceOptions().MaxConcurrentJobs;

    /// <summary>Every slot of every worker. Each takes at most its concurrency from RabbitMQ (prefetch = slots), so
    /// jobs still wait in the priority queue, in its order, whichever worker frees a slot.</summary>
    private int Slots => stack.Workers.Count * WorkerConcurrency;

    [Fact]
    public async Task A_high_priority_job_behind_a_backlog_of_low_ones_starts_first()
    {
        using var blockers = await OccupyWorkerAsync();
        using var bulk = await TestUser.SignUpAsync(stack);
        using var urgent = await TestUser.SignUpAsync(stack);
        var lows = new List<Guid>();
        for (var i = 0; i < 2 * Slots; i++)
        {
            lows.Add(await SubmitAsync(bulk, $"low {i}", "low"));
        }
        var high = await SubmitAsync(urgent, "the urgent one", "high");
        blockers.Dispose();

        var started = await StartTimesAsync([.. lows, high]);
        // The blockers free their slots at the same instant, so the first wave starts as many jobs as there are slots
        // together, their recorded start times a few milliseconds apart in any order. The High job must be in that
        // wave: at most the other slots' worth of Low jobs may look as if they started before it.
        var lowsBefore = lows.Count(low => started[low] < started[high]);
        Assert.True(lowsBefore <= Slots - 1,
            $"{lowsBefore} Low jobs queued before the High job started before it: " + await DescribeAsync([.. lows, high]));
    }

    [Fact]
    public async Task One_users_backlog_does_not_starve_another_users_single_job()
    {
        using var blockers = await OccupyWorkerAsync();
        using var heavy = await TestUser.SignUpAsync(stack);
        using var light = await TestUser.SignUpAsync(stack);
        var backlog = new List<Guid>();
        for (var i = 0; i < Slots + 5; i++)
        {
            // Slow enough that freed slots are taken one wave at a time, so start order is delivery order.
            backlog.Add(await SubmitAsync(heavy, $"heavy {i} [[delay:40]]", "medium"));
        }
        var single = await SubmitAsync(light, "just one question [[delay:40]]", "medium");
        blockers.Dispose();

        var started = await StartTimesAsync([.. backlog, single]);
        var heavyBefore = backlog.Count(job => started[job] < started[single]);
        // Policy (docs/queue.md): a user's first two waiting jobs are "fresh", the rest queue below other users' fresh
        // jobs, so the single job is in the first wave the blockers' slots take, in any order within it; in arrival
        // order it would come after the whole backlog.
        Assert.True(heavyBefore <= Slots - 1, $"{heavyBefore} of the heavy user's jobs started before the light user's single job: " +
            await DescribeAsync([.. backlog, single]));
    }

    [Fact]
    public async Task A_waiting_job_hears_its_position_fall_and_its_progress_rise_to_100()
    {
        using var blockers = await OccupyWorkerAsync();
        using var ahead = await TestUser.SignUpAsync(stack);
        await SubmitAsync(ahead, "queued ahead of you", "high");
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("where am I in the queue?", "low");
        var events = await socket.ReceiveUntilAsync("queue_position");
        blockers.Dispose();
        events.AddRange(await socket.ReceiveUntilAsync("ai_done"));

        var positions = events.Where(e => e.Type() == "queue_position").Select(e => e.GetProperty("ahead").GetInt64()).ToList();
        Assert.True(positions.Count > 0, string.Join(" ", events.Select(e => e.Type())));
        Assert.True(positions[0] >= 1, "the High job submitted earlier is ahead of this Low one");
        Assert.Equal(positions.OrderDescending(), positions);
        var progress = events.Where(e => e.Type() == "progress").Select(e => e.GetProperty("percent").GetInt32()).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(0, progress[0]);
        Assert.Equal(100, progress[^1]);
        Assert.True(events.FindIndex(e => e.Type() == "queue_position") < events.FindIndex(e => e.Type() == "ai_start"));
    }

    [Fact]
    public async Task A_job_cancelled_while_queued_never_runs()
    {
        var marker = $"queued-{Guid.NewGuid():N}";
        Guid generationId;
        using (await OccupyWorkerAsync())
        {
            using var user = await TestUser.SignUpAsync(stack);
            await using var socket = await user.ConnectAsync();
            await socket.SendUserMessageAsync(marker);
            generationId = Guid.Parse((await socket.ReceiveUntilAsync("message_accepted"))[^1].Str("generationId"));
            await socket.SendAsync(new { type = "cancel" });
            var ended = await socket.ReceiveUntilAsync("ai_done");
            Assert.Equal("cancelled", ended[^1].Str("status"));
            Assert.DoesNotContain(ended, e => e.Type() == "ai_token");
        }

        // Once a slot freed up a worker took the job, saw the cancel and only closed its stream.
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var entries = await Eventually.GetAsync(async () =>
        {
            var stream = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(generationId));
            return stream.Length > 0 ? stream : null;
        }, what: "a worker to take and skip the cancelled job");
        Assert.Equal([TokenStreamKeys.Kinds.End], entries.Select(e => e[TokenStreamKeys.Fields.Kind].ToString()));
        Assert.Equal("cancelled", entries[0][TokenStreamKeys.Fields.Status].ToString());
        Assert.DoesNotContain(stack.Model.Requests, request => request.ToJsonString().Contains(marker, StringComparison.Ordinal));
        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand(
            "SELECT g.status, m.content FROM chat.generations g LEFT JOIN chat.messages m ON m.id = g.id WHERE g.id = @id", db);
        query.Parameters.AddWithValue("id", generationId);
        await using var row = await query.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal("cancelled", row.GetString(0));
        Assert.True(row.IsDBNull(1), "a cancelled job that never ran stores no answer");
    }

    [Fact]
    public async Task The_workers_never_run_more_jobs_at_once_than_their_slots()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var marker = $"parallel {Guid.NewGuid():N}";
        var jobs = new List<Guid>();
        for (var i = 0; i < 2 * Slots + 3; i++)
        {
            jobs.Add(await SubmitAsync(user, $"{marker} {i} [[delay:60]]", "medium"));
        }
        await StartTimesAsync(jobs);
        await WaitFinishedAsync(jobs);
        Assert.Equal(Slots, stack.Model.MaxConcurrentRequests(marker));
    }

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
            for (var i = 0; i < TaskFlowStack.RateLimitedModelPerMinute + 2 * Slots; i++)
            {
                var socket = await flooder.ConnectAsync($"model={TaskFlowStack.RateLimitedModel}");
                sockets.Add(socket);
                await socket.SendUserMessageAsync($"flood {i}", "low");
                lows.Add(Guid.Parse((await socket.ReceiveUntilAsync("message_accepted"))[^1].Str("generationId")));
            }
            // Enough of them taken by a worker that, were waiting jobs to keep their slots, every slot would be held.
            await Eventually.GetAsync(async () =>
                (await CountAsync(lows, startedBefore: DateTime.UtcNow.AddHours(1))) >= TaskFlowStack.RateLimitedModelPerMinute + Slots ? (object)true : null,
                TimeSpan.FromSeconds(60), "the flood to reach the worker");

            var medium = await SubmitAsync(other, "not on the limited model", "medium");

            var started = (await StartTimesAsync([medium]))[medium];
            await using var db = await stack.OpenDatabaseAsync();
            await using var wait = new NpgsqlCommand("SELECT extract(epoch FROM started_at - created_at) FROM chat.generations WHERE id = @id", db);
            wait.Parameters.AddWithValue("id", medium);
            var waitedSeconds = Convert.ToDouble(await wait.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            // The throttled jobs' wait lasts until their permits free up, most of a minute; a free slot takes seconds.
            Assert.True(waitedSeconds < 15, $"the medium job waited {waitedSeconds:0.0} s for a slot");
            var lowsDoneBefore = await CountAsync(lows, finishedBefore: started);
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

    /// <summary>How many of the jobs started, or finished, before the given time.</summary>
    private async Task<long> CountAsync(IReadOnlyList<Guid> jobs, DateTime? startedBefore = null, DateTime? finishedBefore = null)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM chat.generations WHERE id = ANY(@ids) AND (started_at < @started OR finished_at < @finished)", db);
        command.Parameters.AddWithValue("ids", jobs.ToArray());
        command.Parameters.AddWithValue("started", startedBefore ?? DateTime.UnixEpoch);
        command.Parameters.AddWithValue("finished", finishedBefore ?? DateTime.UnixEpoch);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Fills the worker's slots with answers the fake model holds until the blockers are disposed, so later jobs queue
    /// up in RabbitMQ however slowly the machine submits them.
    /// </summary>
    private async Task<Blockers> OccupyWorkerAsync()
    {
        var user = await TestUser.SignUpAsync(stack);
        var hold = Guid.NewGuid().ToString("N");
        var jobs = new List<Guid>();
        for (var i = 0; i < Slots; i++)
        {
            jobs.Add(await SubmitAsync(user, $"blocker {i} [[hold:{hold}]]", "high"));
        }
        await StartTimesAsync(jobs);
        return new Blockers(user, () => stack.Model.Release(hold));
    }

    private async Task<Guid> SubmitAsync(TestUser user, string message, string priority)
    {
        var response = await user.Http.PostAsJsonAsync("/api/chat", new { message, priority });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetGuid();
    }

    private async Task<Dictionary<Guid, DateTime>> StartTimesAsync(IReadOnlyList<Guid> jobs) =>
        await Eventually.GetAsync(async () =>
        {
            await using var db = await stack.OpenDatabaseAsync();
            await using var command = new NpgsqlCommand("SELECT id, started_at FROM chat.generations WHERE id = ANY(@ids) AND started_at IS NOT NULL", db);
            command.Parameters.AddWithValue("ids", jobs.ToArray());
            var started = new Dictionary<Guid, DateTime>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                started[reader.GetGuid(0)] = reader.GetDateTime(1);
            }
            return started.Count == jobs.Count ? started : null;
        }, TimeSpan.FromSeconds(90), "every job to start");

    private async Task<string> DescribeAsync(IReadOnlyList<Guid> jobs)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT id, priority, queue_priority, created_at, started_at, finished_at FROM chat.generations WHERE id = ANY(@ids) ORDER BY started_at", db);
        command.Parameters.AddWithValue("ids", jobs.ToArray());
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add($"{jobs.ToList().IndexOf(reader.GetGuid(0))}: p{reader.GetInt32(1)} q{reader.GetInt32(2)} created {reader.GetDateTime(3):HH:mm:ss.fff} started {reader.GetDateTime(4):HH:mm:ss.fff}");
        }
        return string.Join("; ", lines);
    }

    private async Task WaitFinishedAsync(IReadOnlyList<Guid> jobs) =>
        await Eventually.GetAsync(async () =>
        {
            await using var db = await stack.OpenDatabaseAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM chat.generations WHERE id = ANY(@ids) AND finished_at IS NOT NULL", db);
            command.Parameters.AddWithValue("ids", jobs.ToArray());
            return (long)(await command.ExecuteScalarAsync())! == jobs.Count ? (object)true : null;
        }, TimeSpan.FromSeconds(90), "every job to finish");

    private sealed class Blockers(TestUser user, Action release) : IDisposable
    {
        public void Dispose()
        {
            release();
            user.Dispose();
        }
    }
}
