using Npgsql;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Queue;

/// <summary>Priority, fairness, positions, cancellation and concurrency on the real RabbitMQ queue.</summary>
// On the restartable stack, whose tests run one at a time: these fill every worker slot on purpose, which would hold
// up the shared stack's tests running beside them, and their jobs' start order must be theirs alone.
[Collection(RestartableStackCollection.Name)]
public sealed class QueueOrderTests(RestartableStack stack)
{
    private QueuedJobs Jobs => new(stack);

    [Fact]
    public async Task A_high_priority_job_behind_a_backlog_of_low_ones_starts_first()
    {
        using var blockers = await Jobs.OccupyWorkersAsync();
        using var bulk = await TestUser.SignUpAsync(stack);
        using var urgent = await TestUser.SignUpAsync(stack);
        var lows = new List<Guid>();
        for (var i = 0; i < 2 * Jobs.Slots; i++)
        {
            // Slow enough (about a second) that no job of the first wave ends, freeing its slot for another Low job,
            // before the whole wave has recorded its start: with instant answers the waves overlapped within
            // milliseconds, and a second-wave Low job could record its start before the High one of the first wave.
            lows.Add(await QueuedJobs.SubmitAsync(bulk, $"low {i} [[delay:100]]", "low"));
        }
        var high = await QueuedJobs.SubmitAsync(urgent, "the urgent one", "high");
        blockers.Dispose();

        var started = await Jobs.StartTimesAsync([.. lows, high]);
        // The blockers free their slots at the same instant, so the first wave starts as many jobs as there are slots
        // together, their recorded start times a few milliseconds apart in any order. The High job must be in that
        // wave: at most the other slots' worth of Low jobs may look as if they started before it.
        var lowsBefore = lows.Count(low => started[low] < started[high]);
        Assert.True(lowsBefore <= Jobs.Slots - 1,
            $"{lowsBefore} Low jobs queued before the High job started before it: " + await Jobs.DescribeAsync([.. lows, high]));
    }

    [Fact]
    public async Task One_users_backlog_does_not_starve_another_users_single_job()
    {
        using var blockers = await Jobs.OccupyWorkersAsync();
        using var heavy = await TestUser.SignUpAsync(stack);
        using var light = await TestUser.SignUpAsync(stack);
        var backlog = new List<Guid>();
        for (var i = 0; i < Jobs.Slots + 5; i++)
        {
            // Slow enough that freed slots are taken one wave at a time, so start order is delivery order.
            backlog.Add(await QueuedJobs.SubmitAsync(heavy, $"heavy {i} [[delay:100]]", "medium"));
        }
        var single = await QueuedJobs.SubmitAsync(light, "just one question [[delay:100]]", "medium");
        blockers.Dispose();

        var started = await Jobs.StartTimesAsync([.. backlog, single]);
        var heavyBefore = backlog.Count(job => started[job] < started[single]);
        // Policy (docs/queue.md): a user's first two waiting jobs are "fresh", the rest queue below other users' fresh
        // jobs, so the single job is in the first wave the blockers' slots take, in any order within it; in arrival
        // order it would come after the whole backlog.
        Assert.True(heavyBefore <= Jobs.Slots - 1, $"{heavyBefore} of the heavy user's jobs started before the light user's single job: " +
            await Jobs.DescribeAsync([.. backlog, single]));
    }

    [Fact]
    public async Task A_waiting_job_hears_its_position_fall_and_its_progress_rise_to_100()
    {
        using var blockers = await Jobs.OccupyWorkersAsync();
        using var ahead = await TestUser.SignUpAsync(stack);
        await QueuedJobs.SubmitAsync(ahead, "queued ahead of you", "high");
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
        using (await Jobs.OccupyWorkersAsync())
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
        // Each answer lasts about 3.6 s (12 tokens, 300 ms apart), far longer than submitting a slot's worth of jobs
        // takes on a slow machine, so the slots fill up and the bound is what keeps a seventh out.
        for (var i = 0; i < 2 * Jobs.Slots + 3; i++)
        {
            jobs.Add(await QueuedJobs.SubmitAsync(user, $"{marker} {i} [[delay:300]]", "medium"));
        }
        await Jobs.StartTimesAsync(jobs);
        await Jobs.WaitFinishedAsync(jobs);
        Assert.Equal(Jobs.Slots, stack.Model.MaxConcurrentRequests(marker));
    }
}
