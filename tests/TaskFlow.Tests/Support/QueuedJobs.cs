using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TaskFlow.InferenceWorker.Generation;

namespace TaskFlow.Tests.Support;

/// <summary>
/// Jobs submitted over HTTP to the restartable stack and followed in its database: when each started and finished, and
/// blockers that hold every worker slot so later jobs wait in RabbitMQ's queue.
/// </summary>
public sealed class QueuedJobs(RestartableStack stack)
{
    /// <summary>Each worker's slots: the restartable stack keeps the production default.</summary>
    private static readonly int WorkerConcurrency = new InferenceOptions().MaxConcurrentJobs;

    /// <summary>Every slot of every worker. Each takes at most its concurrency from RabbitMQ (prefetch = slots), so
    /// jobs still wait in the priority queue, in its order, whichever worker frees a slot.</summary>
    public int Slots => stack.Workers.Count * WorkerConcurrency;

    /// <summary>
    /// Fills the workers' slots with answers the fake model holds until the blockers are disposed, so later jobs queue
    /// up in RabbitMQ however slowly the machine submits them.
    /// </summary>
    public async Task<IDisposable> OccupyWorkersAsync()
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

    public static async Task<Guid> SubmitAsync(TestUser user, string message, string priority)
    {
        var response = await user.Http.PostAsJsonAsync("/api/chat", new { message, priority });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetGuid();
    }

    public async Task<Dictionary<Guid, DateTime>> StartTimesAsync(IReadOnlyList<Guid> jobs) =>
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

    public async Task WaitFinishedAsync(IReadOnlyList<Guid> jobs) =>
        await Eventually.GetAsync(async () =>
        {
            await using var db = await stack.OpenDatabaseAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM chat.generations WHERE id = ANY(@ids) AND finished_at IS NOT NULL", db);
            command.Parameters.AddWithValue("ids", jobs.ToArray());
            return (long)(await command.ExecuteScalarAsync())! == jobs.Count ? (object)true : null;
        }, TimeSpan.FromSeconds(90), "every job to finish");

    /// <summary>How many of the jobs started, or finished, before the given time.</summary>
    public async Task<long> CountAsync(IReadOnlyList<Guid> jobs, DateTime? startedBefore = null, DateTime? finishedBefore = null)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM chat.generations WHERE id = ANY(@ids) AND (started_at < @started OR finished_at < @finished)", db);
        command.Parameters.AddWithValue("ids", jobs.ToArray());
        command.Parameters.AddWithValue("started", startedBefore ?? DateTime.UnixEpoch);
        command.Parameters.AddWithValue("finished", finishedBefore ?? DateTime.UnixEpoch);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The jobs in start order with their priorities and times, for a failure's message.</summary>
    public async Task<string> DescribeAsync(IReadOnlyList<Guid> jobs)
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

    private sealed class Blockers(TestUser user, Action release) : IDisposable
    {
        public void Dispose()
        {
            release();
            user.Dispose();
        }
    }
}
