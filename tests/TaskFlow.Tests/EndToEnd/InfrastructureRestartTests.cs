using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Tests.Conversations;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// "Nothing a user sent or received is lost when a process, Redis, RabbitMQ or PostgreSQL restarts", against real
/// servers of a stack of their own (restarting the shared one would break every other test).
/// </summary>
[Collection(RestartableStackCollection.Name)]
public sealed class InfrastructureRestartTests(RestartableStack stack)
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
        var conversationId = await CompleteTurnAsync(socket, "open a conversation before the restart");

        // No worker (both stopped): the job stays in RabbitMQ's queue, where the restart finds it.
        const string prompt = "wait in the queue through a broker restart";
        await stack.Services.StopAllAsync(ServiceNames.InferenceWorker);
        Guid generationId;
        try
        {
            await socket.SendUserMessageAsync(prompt);
            var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
            generationId = Guid.Parse(accepted.Str("generationId"));
            await Eventually.GetAsync(async () => await QueuedAtAsync(generationId), what: "RabbitMQ to confirm the job");
            await stack.RabbitMq.RestartAsync();
        }
        finally
        {
            await stack.Services.RestartAllAsync(ServiceNames.InferenceWorker);
        }

        var answer = await ChatAnswers.ReceiveAsync(socket, generationId);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal(("assistant", ChatAnswers.Reply(prompt)), (await ChatAnswers.StoredAsync(stack, conversationId))[^1]);
        Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
    }

    [Fact]
    public async Task A_job_that_reaches_the_queue_twice_is_answered_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var conversationId = await CompleteTurnAsync(socket, "open a conversation before the duplicate");

        const string prompt = "answer me only once though I am queued twice";
        await stack.Services.StopAllAsync(ServiceNames.InferenceWorker);
        Guid generationId;
        try
        {
            await socket.SendUserMessageAsync(prompt);
            generationId = Guid.Parse((await socket.ReceiveUntilAsync("message_accepted"))[^1].Str("generationId"));
            await Eventually.GetAsync(async () => await QueuedAtAsync(generationId), what: "RabbitMQ to confirm the job");

            // As if ChatSocket had died between RabbitMQ's confirmation and recording it: the redispatcher queues a copy.
            await ForgetQueuedAsync(generationId, prompt);
            await Eventually.GetAsync(async () => await QueuedAtAsync(generationId), what: "the redispatcher to queue the job again");
        }
        finally
        {
            await stack.Services.RestartAllAsync(ServiceNames.InferenceWorker);
        }

        var answer = await ChatAnswers.ReceiveAsync(socket, generationId);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal(("assistant", ChatAnswers.Reply(prompt)), (await ChatAnswers.StoredAsync(stack, conversationId))[^1]);
        Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
        Assert.Equal(1, stack.Model.AttemptsFor(prompt));
    }

    [Fact]
    public async Task PostgreSQL_restarting_between_turns_and_mid_answer_loses_no_answer_and_no_inference_log()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var conversationId = await CompleteTurnAsync(socket, "before the database restarts");

        // Between turns, while the services hold pooled connections (what made a SIGTERM, PostgreSQL's "smart"
        // shutdown, wait until DCP killed it): the AppHost's stop is a fast shutdown that leaves a clean cluster.
        var console = Path.Combine(stack.LogDirectory, "postgres.log");
        var consoleBefore = new FileInfo(console).Length;
        await stack.Postgres.StopAsync();
        Assert.Matches(new Regex(@"^Database cluster state:\s+shut down$", RegexOptions.Multiline), await ControlDataAsync());
        // The services' pooled connections all died with the server.
        await RestartPostgresAsync();
        var restartLog = await Eventually.GetAsync(async () =>
        {
            await using var file = new FileStream(console, FileMode.Open, FileAccess.Read, FileShare.ReadWrite) { Position = consoleBefore };
            var text = await new StreamReader(file).ReadToEndAsync();
            return text.Contains("ready to accept connections", StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromSeconds(10), "postgres's console to show the restart");
        Assert.Contains("received fast shutdown request", restartLog, StringComparison.Ordinal);
        Assert.Contains("database system was shut down at", restartLog, StringComparison.Ordinal);
        Assert.DoesNotContain("automatic recovery", restartLog, StringComparison.Ordinal);
        const string afterRestart = "right after the database restarted";
        var second = await CompleteTurnAsync(socket, afterRestart);
        Assert.Equal(conversationId, second);

        // Mid-answer: the database is down when the answer ends, so its result waits for it to come back.
        const string prompt = "keep talking while the database is away [[delay:120]]";
        await socket.SendUserMessageAsync(prompt);
        var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
        var generationId = Guid.Parse(accepted.Str("generationId"));
        var shown = await socket.ReceiveUntilAsync("ai_token");
        try
        {
            await stack.Postgres.StopAsync();
            await WaitStreamEndedAsync(generationId);
        }
        finally
        {
            await RestartPostgresAsync();
        }

        var answer = await ChatAnswers.ReceiveAsync(socket, generationId, shown);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        var stored = await Eventually.GetAsync(async () =>
        {
            var rows = await ChatAnswers.StoredAsync(stack, conversationId);
            return rows.Count == 6 ? rows : null;
        }, TimeSpan.FromSeconds(60), "the third answer stored");
        Assert.Equal(("user", afterRestart), stored[2]);
        Assert.Equal(("assistant", ChatAnswers.Reply(afterRestart)), stored[3]);
        Assert.Equal(("assistant", ChatAnswers.Reply(prompt)), stored[5]);
        Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId, timeout: TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public async Task Redis_restarting_mid_answer_still_gives_the_user_the_whole_answer_stored_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string prompt = "stream through a restart of redis [[delay:120]]";
        await socket.SendUserMessageAsync(prompt);
        var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
        var conversationId = Guid.Parse(accepted.Str("conversationId"));
        var generationId = Guid.Parse(accepted.Str("generationId"));
        var shown = await socket.ReceiveUntilAsync("ai_token");

        // A quick restart: the Redis client holds the worker's writes and the relay's reads until it is back.
        var away = System.Diagnostics.Stopwatch.StartNew();
        await stack.Redis.RestartAsync();
        away.Stop();

        var answer = await ChatAnswers.ReceiveAsync(socket, generationId, shown);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal([("user", prompt), ("assistant", ChatAnswers.Reply(prompt))], await ChatAnswers.StoredAsync(stack, conversationId));
        var calls = await InferenceLogs.CallsAsync(stack, generationId);
        Assert.True(calls is ["1|completed|"] && !answer.Restarted,
            $"Redis was away {away.ElapsedMilliseconds} ms, within the 5 s the client holds commands, so the first call " +
            $"should have answered without a re-run; calls: {string.Join(", ", calls)}, restarted: {answer.Restarted}");
        // Sign-in sessions live in Redis too; with its append-only file a restart keeps them, so nobody is signed out.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await user.Http.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await user.Http.GetAsync("/api/stats/recent")).StatusCode);
    }

    [Fact]
    public async Task Redis_away_longer_than_a_command_timeout_mid_answer_restarts_the_answer_which_is_stored_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        // The first attempt streams until abandoned, so the worker is still writing when Redis goes.
        const string prompt = "outlast a long absence of redis [[delay:100]] [[endless-first]]";
        await socket.SendUserMessageAsync(prompt);
        var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
        var conversationId = Guid.Parse(accepted.Str("conversationId"));
        var generationId = Guid.Parse(accepted.Str("generationId"));
        var shown = await socket.ReceiveUntilAsync("ai_token");

        await stack.Redis.StopAsync();
        try
        {
            // The worker's writes give up (the Redis client's timeout) and it abandons this model call.
            await Eventually.GetAsync(() => Task.FromResult(stack.Model.AbortedFor(prompt) > 0 ? (object?)true : null),
                TimeSpan.FromSeconds(30), "the worker to abandon the model call");
        }
        finally
        {
            await stack.Redis.RestartAsync();
        }

        var answer = await ChatAnswers.ReceiveAsync(socket, generationId, shown);
        Assert.True(answer.Restarted, "the client must be told to drop what it was shown before the answer was run again");
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal([("user", prompt), ("assistant", ChatAnswers.Reply(prompt))], await ChatAnswers.StoredAsync(stack, conversationId));
        // The abandoned call was Redis's failure, not the model's: it is neither retried as one nor logged. The call
        // that answered is the generation's second (numbers continue across runs of a job).
        Assert.Equal(["2|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
        Assert.Equal(2, stack.Model.AttemptsFor(prompt));
    }

    [Fact]
    public async Task Workers_killed_mid_answer_are_replaced_alone_and_the_answer_is_restarted_and_stored()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string prompt = "outlive the worker that started me [[delay:120]]";
        await socket.SendUserMessageAsync(prompt);
        var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
        var conversationId = Guid.Parse(accepted.Str("conversationId"));
        var generationId = Guid.Parse(accepted.Str("generationId"));
        var shown = await socket.ReceiveUntilAsync("ai_token");

        // Both, since either may hold the job; the AppHost starts each again and leaves everything else running.
        var before = stack.ProcessIds();
        await stack.Services.KillAllAsync(ServiceNames.InferenceWorker);
        await stack.Services.RestartAllAsync(ServiceNames.InferenceWorker);
        AssertOnlyRestarted(before, stack.Workers);

        var answer = await ChatAnswers.ReceiveAsync(socket, generationId, shown);
        Assert.True(answer.Restarted, "the client must be told to drop the dead worker's partial answer");
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal(("assistant", ChatAnswers.Reply(prompt)), (await ChatAnswers.StoredAsync(stack, conversationId))[^1]);
        // The dead worker's call left no log; the one that answered is the generation's second call.
        Assert.Equal(["2|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
        Assert.Equal(2, stack.Model.AttemptsFor(prompt));
    }

    [Fact]
    public async Task PostgreSQL_killed_is_started_again_by_the_AppHost_alone_and_the_services_work_after()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await CompleteTurnAsync(socket, "before the database crashes");

        // The postmaster itself, not the shell the dashboard shows: a crash of the server is a crash of the resource.
        var before = stack.ProcessIds();
        var postmaster = int.Parse(File.ReadLines(Path.Combine(stack.DataDirectory, "postgres", "pgdata", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        Process.GetProcessById(postmaster).Kill();
        await stack.Postgres.WaitRestartedAsync(before[stack.Postgres.Name]);
        NpgsqlConnection.ClearAllPools();
        AssertOnlyRestarted(before, [stack.Postgres.Name]);

        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/conversations")).StatusCode);
        await CompleteTurnAsync(socket, "after the database crashed");
    }

    /// <summary>pg_controldata's report on the stack's cluster: its state says how the server last stopped.</summary>
    private async Task<string> ControlDataAsync()
    {
        var bin = Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_controldata")).First(File.Exists);
        var start = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(stack.DataDirectory, "postgres", "pgdata"));
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var report = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_controldata: {error}");
        return report;
    }

    /// <summary>Every process but <paramref name="restarted"/> is the one that ran before.</summary>
    private void AssertOnlyRestarted(IReadOnlyDictionary<string, int> before, IReadOnlyList<string> restarted)
    {
        var after = stack.ProcessIds();
        foreach (var (id, pid) in before)
        {
            Assert.True(restarted.Contains(id) ? after[id] != pid : after[id] == pid,
                $"{id}: process {pid} before, {after[id]} after; only {string.Join(", ", restarted)} should have been restarted");
        }
    }

    /// <summary>Starts PostgreSQL again; this test process's own pooled connections died with it too.</summary>
    private async Task RestartPostgresAsync()
    {
        await stack.Postgres.RestartAsync();
        await using var connection = new NpgsqlConnection(stack.Postgres.ConnectionString);
        NpgsqlConnection.ClearPool(connection);
    }

    /// <summary>Sends a message and reads its whole answer; returns the conversation.</summary>
    private static async Task<Guid> CompleteTurnAsync(ChatSocketClient socket, string prompt)
    {
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.True(events[^1].Type() == "ai_done", $"the turn \"{prompt}\" ended with {events[^1]}");
        var accepted = events.Where(e => e.Type() == "message_accepted").ToList();
        Assert.True(accepted.Count == 1, $"the turn \"{prompt}\" should be accepted once before it ends: {string.Join(" | ", events)}");
        return Guid.Parse(accepted[0].Str("conversationId"));
    }

    /// <summary>When RabbitMQ confirmed the job, or null while it has not.</summary>
    private async Task<object?> QueuedAtAsync(Guid generationId)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand("SELECT queued_at FROM chat.generations WHERE id = @id", db);
        query.Parameters.AddWithValue("id", generationId);
        return await query.ExecuteScalarAsync() is DateTime queuedAt ? queuedAt : null;
    }

    /// <summary>Makes a queued job look unconfirmed again, with a prompt that ends in the same user message.</summary>
    private async Task ForgetQueuedAsync(Guid generationId, string userMessage)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var update = new NpgsqlCommand(
            "UPDATE chat.generations SET queued_at = NULL, pending_prompt = @prompt::jsonb WHERE id = @id AND status = 'waiting'", db);
        update.Parameters.AddWithValue("id", generationId);
        update.Parameters.AddWithValue("prompt", JsonSerializer.Serialize(new[] { new { Role = "user", Content = userMessage } }));
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    /// <summary>The worker wrote the answer's end entry: the model is done, whatever the database is doing.</summary>
    private async Task WaitStreamEndedAsync(Guid generationId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        await Eventually.GetAsync(async () =>
        {
            var last = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(generationId), "-", "+", 1, Order.Descending);
            return last.Length == 1 && last[0][TokenStreamKeys.Fields.Kind] == TokenStreamKeys.Kinds.End ? (object)true : null;
        }, TimeSpan.FromSeconds(30), "the answer's end entry in Redis");
    }

}
