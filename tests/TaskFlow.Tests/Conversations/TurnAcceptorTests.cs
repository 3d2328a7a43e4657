using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Conversations;

/// <summary>
/// A turn's start on the real PostgreSQL, with the stores wired as ChatSocket wires them: what a refused turn leaves
/// (nothing), and a conversation that stopped being the user's between the socket's lookup and the turn (deleted in
/// another tab, or a foreign id) refused by name. The socket and the API cannot be timed into that gap.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TurnAcceptorTests(TaskFlowStack stack) : IAsyncLifetime
{
    private static readonly ModelAdvertisement Model = new("fake", "Fake", "Ollama", IsOffline: false, IsDefault: true, IsReachable: true, DateTimeOffset.UtcNow);

    private readonly string _userId = "turn-tests-" + Guid.NewGuid().ToString("N");
    private IHost _host = null!;

    public Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:taskflowdb"] = stack.Postgres.ConnectionString;
        builder.AddTaskFlowDbContext<ChatDbContext>(ChatDbContext.Schema, options => options.UseSnakeCaseNamingConvention());
        builder.Services.AddOptions<ChatOptions>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TokenCounter>();
        builder.Services.AddScoped<ConversationStore>().AddScoped<JobStore>().AddScoped<PromptBuilder>().AddScoped<ChatUnitOfWork>().AddScoped<TurnAcceptor>();
        _host = builder.Build();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        // Its jobs were never queued: gone before the redispatcher would queue them (after 30 s).
        await ExecuteAsync("DELETE FROM chat.conversations WHERE user_id = $1", _userId);
        _host.Dispose();
    }

    [Fact]
    public async Task A_refused_turn_stores_nothing_and_a_conversation_deleted_meanwhile_or_foreign_is_refused_by_name()
    {
        var first = await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, "First question", JobPriority.Medium, maxOpenJobs: 1, default));
        Assert.Equal(TurnOutcome.Stored, first.Outcome);
        var conversation = first.Accepted!.Conversation;
        Assert.Equal((1, 1, 1), await RowsAsync());

        // Its job is still open: with a limit of one, a second new conversation is refused and none is left behind.
        var overLimit = await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, "Second question", JobPriority.Medium, maxOpenJobs: 1, default));
        Assert.Equal(TurnOutcome.AtOpenJobLimit, overLimit.Outcome);
        var sameConversation = await AcceptAsync(a => a.AcceptUserMessageAsync(_userId, conversation, "More", JobPriority.Medium, 1, false, default));
        Assert.Equal(TurnOutcome.AtOpenJobLimit, sameConversation.Outcome);
        Assert.Equal((1, 1, 1), await RowsAsync());

        // Another user naming this conversation meets what an unknown id meets.
        var foreign = await AcceptAsync(a => a.AcceptUserMessageAsync("someone-else", conversation, "Let me in", JobPriority.Medium, 10, false, default));
        Assert.Equal(TurnOutcome.ConversationGone, foreign.Outcome);
        Assert.Equal((1, 1, 1), await RowsAsync());

        var next = await AcceptAsync(a => a.AcceptUserMessageAsync(_userId, conversation, "Second turn", JobPriority.Medium, 10, false, default));
        Assert.Equal(TurnOutcome.Stored, next.Outcome);
        Assert.Equal(["First question", "Second turn"], next.Accepted!.Prompt.Where(t => t.Role == "user").Select(t => t.Content));
        Assert.Equal((1, 2, 2), await RowsAsync());

        await ExecuteAsync("DELETE FROM chat.conversations WHERE id = $1", conversation.Id);
        var deleted = await AcceptAsync(a => a.AcceptUserMessageAsync(_userId, conversation, "Anyone there?", JobPriority.Medium, 10, false, default));
        Assert.Equal(TurnOutcome.ConversationGone, deleted.Outcome);
        var regenerated = await AcceptAsync(a => a.AcceptRegenerationAsync(conversation, JobPriority.Medium, 10, default));
        Assert.Equal(TurnOutcome.ConversationGone, regenerated.Outcome);
        Assert.Equal((0, 0, 0), await RowsAsync());
    }

    [Fact]
    public async Task Starts_are_marked_in_one_batch_and_a_job_that_already_ended_keeps_its_status()
    {
        var waiting = (await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, "One", JobPriority.Medium, 10, default))).Accepted!;
        var ended = (await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, "Two", JobPriority.Medium, 10, default))).Accepted!;
        // The result came before the start (they travel on different queues).
        Assert.True(await UseJobsAsync(jobs => jobs.SaveReplyAsync(new ReplyFinished(ended.Generation.Id, ended.Conversation.Id, "fake",
            GenerationStatus.Completed, "Done", 1, null, null, null, null, DateTimeOffset.UtcNow), default)));
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-1);

        await UseJobsAsync(jobs => jobs.MarkStartedAsync(
        [
            new GenerationStarted(waiting.Generation.Id, waiting.Conversation.Id, _userId, startedAt),
            new GenerationStarted(ended.Generation.Id, ended.Conversation.Id, _userId, startedAt),
            new GenerationStarted(waiting.Generation.Id, waiting.Conversation.Id, _userId, startedAt.AddSeconds(5)), // a copy
        ], default));

        var jobs = await JobsAsync();
        Assert.Equal((GenerationStatus.Processing, startedAt.ToUnixTimeMilliseconds()), jobs[waiting.Generation.Id]);
        Assert.Equal((GenerationStatus.Completed, startedAt.ToUnixTimeMilliseconds()), jobs[ended.Generation.Id]);

        // A later copy of a start changes nothing.
        await UseJobsAsync(jobs => jobs.MarkStartedAsync([new GenerationStarted(ended.Generation.Id, ended.Conversation.Id, _userId, DateTimeOffset.UtcNow)], default));
        Assert.Equal(jobs, await JobsAsync());
    }

    [Fact]
    public async Task Results_are_stored_in_one_batch_each_answer_once_and_one_stored_already_is_kept()
    {
        var turns = new List<AcceptedMessage>();
        foreach (var question in new[] { "Shown", "Unwatched", "Stopped early", "Deleted" })
        {
            turns.Add((await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, question, JobPriority.Medium, 10, default))).Accepted!);
        }
        var (shown, unwatched, stopped, deleted) = (turns[0], turns[1], turns[2], turns[3]);
        ReplyFinished Reply(AcceptedMessage turn, string status, string content) => new(
            turn.Generation.Id, turn.Conversation.Id, "fake", status, content, content.Length, 5, content.Length, null, null, DateTimeOffset.UtcNow);
        // The relay stored what its client saw; the worker's result for it comes later with the whole answer.
        Assert.True(await UseJobsAsync(jobs => jobs.SaveReplyAsync(Reply(shown, GenerationStatus.Interrupted, "What the user saw"), default)));
        await ExecuteAsync("DELETE FROM chat.conversations WHERE id = $1", deleted.Conversation.Id);

        var stored = await UseJobsAsync(jobs => jobs.SaveReplyAsync(
        [
            Reply(shown, GenerationStatus.Completed, "What the user saw, and more"),
            Reply(unwatched, GenerationStatus.Completed, "Nobody watched this"),
            Reply(stopped, GenerationStatus.Cancelled, ""),
            Reply(deleted, GenerationStatus.Completed, "Too late"),
            Reply(unwatched, GenerationStatus.Completed, "Nobody watched this"), // a copy
        ], default));

        Assert.Equal([unwatched.Generation.Id], stored);
        var jobs = await JobsAsync();
        Assert.Equal(GenerationStatus.Interrupted, jobs[shown.Generation.Id].Item1);
        Assert.Equal(GenerationStatus.Completed, jobs[unwatched.Generation.Id].Item1);
        Assert.Equal(GenerationStatus.Cancelled, jobs[stopped.Generation.Id].Item1);
        Assert.False(jobs.ContainsKey(deleted.Generation.Id));
        Assert.Equal(
            new Dictionary<Guid, string> { [shown.Generation.Id] = "What the user saw", [unwatched.Generation.Id] = "Nobody watched this" },
            await AnswersAsync());
    }

    [Fact]
    public async Task A_start_the_result_carries_is_stored_whether_or_not_the_job_was_closed_first_and_an_announced_one_is_kept()
    {
        var turns = new List<AcceptedMessage>();
        foreach (var question in new[] { "Shown", "Unwatched", "Announced" })
        {
            turns.Add((await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, question, JobPriority.Medium, 10, default))).Accepted!);
        }
        var (shown, unwatched, announced) = (turns[0], turns[1], turns[2]);
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-2);
        ReplyFinished Reply(AcceptedMessage turn, string content, DateTimeOffset? started) => new(
            turn.Generation.Id, turn.Conversation.Id, "fake", GenerationStatus.Completed, content, 1, 5, 1, null, null, DateTimeOffset.UtcNow, started);
        // The relay that showed an answer closes its job before the worker's result, and knows no start time.
        Assert.True(await UseJobsAsync(jobs => jobs.SaveReplyAsync(Reply(shown, "As shown", null), default)));
        // A longer answer's start was announced on its own.
        await UseJobsAsync(jobs => jobs.MarkStartedAsync([new GenerationStarted(announced.Generation.Id, announced.Conversation.Id, _userId, startedAt)], default));

        var stored = await UseJobsAsync(jobs => jobs.SaveReplyAsync(
        [
            Reply(shown, "As the worker ended it", startedAt),
            Reply(unwatched, "Nobody watched this", startedAt.AddMilliseconds(100)),
            Reply(announced, "Announced", null),
        ], default));

        Assert.Equal(new[] { unwatched.Generation.Id, announced.Generation.Id }.Order(), stored.Order());
        var jobs = await JobsAsync();
        Assert.Equal((GenerationStatus.Completed, startedAt.ToUnixTimeMilliseconds()), jobs[shown.Generation.Id]);
        Assert.Equal((GenerationStatus.Completed, startedAt.AddMilliseconds(100).ToUnixTimeMilliseconds()), jobs[unwatched.Generation.Id]);
        Assert.Equal((GenerationStatus.Completed, startedAt.ToUnixTimeMilliseconds()), jobs[announced.Generation.Id]);
        Assert.Equal("As shown", (await AnswersAsync())[shown.Generation.Id]);

        // A copy of a result, with a start of its own, changes nothing.
        await UseJobsAsync(jobs => jobs.SaveReplyAsync([Reply(unwatched, "A copy", DateTimeOffset.UtcNow)], default));
        Assert.Equal(jobs, await JobsAsync());
    }

    [Fact]
    public async Task Answers_that_end_together_are_stored_before_showing_in_fewer_statements_than_answers()
    {
        var turns = new List<AcceptedMessage>();
        for (var i = 0; i < 30; i++)
        {
            turns.Add((await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, $"Question {i}", JobPriority.Medium, 100, default))).Accepted!);
        }
        var shown = new AnswerOutcomes.ShownReplies(_host.Services.GetRequiredService<IServiceScopeFactory>(), NullLogger.Instance);

        // Every relay ends at once: the first answer goes alone, the rest wait for it and go together.
        var saved = await Task.WhenAll(turns.Select(turn => shown.TrySaveAsync(new ReplyFinished(
            turn.Generation.Id, turn.Conversation.Id, "fake", GenerationStatus.Completed, $"Answer to {turn.Message.Content}", 3, 5, 3, null, null, DateTimeOffset.UtcNow))));

        Assert.All(saved, Assert.True);
        Assert.InRange(shown.Writes, 1, turns.Count / 2);
        Assert.Equal(turns.ToDictionary(t => t.Generation.Id, t => $"Answer to {t.Message.Content}"), await AnswersAsync());
        Assert.All((await JobsAsync()).Values, job => Assert.Equal(GenerationStatus.Completed, job.Item1));

        // An answer alone, later, is written at once by a writer of its own.
        var last = (await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, "One more", JobPriority.Medium, 100, default))).Accepted!;
        var writes = shown.Writes;
        Assert.True(await shown.TrySaveAsync(new ReplyFinished(
            last.Generation.Id, last.Conversation.Id, "fake", GenerationStatus.Completed, "Alone", 1, 5, 1, null, null, DateTimeOffset.UtcNow)));
        Assert.Equal(writes + 1, shown.Writes);
    }

    [Fact]
    public async Task An_answer_whose_database_is_away_is_shown_after_a_few_seconds_left_to_the_result_consumer()
    {
        var builder = Host.CreateApplicationBuilder();
        // A port nobody listens on: every connection is refused, as while PostgreSQL restarts.
        builder.Configuration["ConnectionStrings:taskflowdb"] = "Host=127.0.0.1;Port=9;Username=nobody;Password=none;Database=none";
        builder.AddTaskFlowDbContext<ChatDbContext>(ChatDbContext.Schema, options => options.UseSnakeCaseNamingConvention());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<JobStore>();
        using var away = builder.Build();
        var shown = new AnswerOutcomes.ShownReplies(away.Services.GetRequiredService<IServiceScopeFactory>(), NullLogger.Instance);

        var saved = await shown.TrySaveAsync(new ReplyFinished(
            Guid.NewGuid(), Guid.NewGuid(), "fake", GenerationStatus.Completed, "Kept by the worker's result", 1, 5, 1, null, null, DateTimeOffset.UtcNow));

        Assert.False(saved);
    }

    [Fact]
    public async Task Batches_naming_the_same_jobs_in_opposite_orders_do_not_deadlock()
    {
        // A deadlock PostgreSQL breaks fails one of the statements (40P01), and is counted in pg_stat_database. A host
        // of its own, its connections named, so the test can wait for them to end: a backend reports its deadlocks
        // when it ends, at the latest. Before the jobs were locked in id order, three runs in four failed here.
        var name = "deadlock-test-" + Guid.NewGuid().ToString("N")[..8];
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:taskflowdb"] = stack.Postgres.ConnectionString + ";Application Name=" + name;
        builder.AddTaskFlowDbContext<ChatDbContext>(ChatDbContext.Schema, options => options.UseSnakeCaseNamingConvention());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<JobStore>();
        var deadlocksBefore = await DeadlocksAsync();

        using (var batches = builder.Build())
        {
            async Task Use(Func<JobStore, Task> work)
            {
                await using var scope = batches.Services.CreateAsyncScope();
                await work(scope.ServiceProvider.GetRequiredService<JobStore>());
            }
            for (var round = 0; round < 10; round++)
            {
                var turns = new List<AcceptedMessage>();
                for (var i = 0; i < 20; i++)
                {
                    turns.Add((await AcceptAsync(a => a.AcceptFirstMessageAsync(_userId, Model, $"Round {round}, question {i}", JobPriority.Medium, 1000, default))).Accepted!);
                }
                var now = DateTimeOffset.UtcNow;
                // As under load: queued, started and finished together, each batch in an order of its own.
                await Task.WhenAll(
                    Use(jobs => jobs.MarkQueuedAsync([.. turns.Select(t => new QueuedJob(t.Generation.Id, now))], default)),
                    Use(jobs => jobs.MarkStartedAsync([.. Enumerable.Reverse(turns).Select(t => new GenerationStarted(t.Generation.Id, t.Conversation.Id, _userId, now))], default)),
                    Use(jobs => jobs.SaveReplyAsync([.. turns.Where((_, i) => i % 2 == 0).Concat(Enumerable.Reverse(turns).Where((_, i) => i % 2 == 0)).Select(t =>
                        new ReplyFinished(t.Generation.Id, t.Conversation.Id, "fake", GenerationStatus.Completed, "Done", 1, 5, 1, null, null, now, now))], default)));
            }
        }
        NpgsqlConnection.ClearAllPools();
        await Eventually.GetAsync(async () =>
        {
            await using var connection = await stack.OpenDatabaseAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection)
            {
                Parameters = { new() { Value = name } },
            };
            return (long)(await command.ExecuteScalarAsync())! == 0 ? "gone" : null;
        }, TimeSpan.FromSeconds(30), "the test's connections to end");

        Assert.Equal(deadlocksBefore, await DeadlocksAsync());
        var jobs = await JobsAsync();
        Assert.Equal(200, jobs.Count);
        Assert.All(jobs.Values, job => Assert.Equal(GenerationStatus.Completed, job.Item1));
        Assert.All(jobs.Values, job => Assert.NotNull(job.Item2));
    }

    /// <summary>PostgreSQL's count of deadlocks it broke in this database, as its backends have reported them.</summary>
    private async Task<long> DeadlocksAsync()
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<T> UseJobsAsync<T>(Func<JobStore, Task<T>> work)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<JobStore>());
    }

    /// <summary>The user's jobs: status and start time (ms), by id.</summary>
    private async Task<Dictionary<Guid, (string, long?)>> JobsAsync()
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT id, status, started_at FROM chat.generations WHERE user_id = $1", connection)
        {
            Parameters = { new() { Value = _userId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var jobs = new Dictionary<Guid, (string, long?)>();
        while (await reader.ReadAsync())
        {
            jobs.Add(reader.GetGuid(0), (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2).ToUnixTimeMilliseconds()));
        }
        return jobs;
    }

    /// <summary>The user's stored answers, by id (the job's).</summary>
    private async Task<Dictionary<Guid, string>> AnswersAsync()
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("""
            SELECT m.id, m.content FROM chat.messages m JOIN chat.conversations c ON c.id = m.conversation_id
            WHERE c.user_id = $1 AND m.role = 'assistant'
            """, connection) { Parameters = { new() { Value = _userId } } };
        await using var reader = await command.ExecuteReaderAsync();
        var answers = new Dictionary<Guid, string>();
        while (await reader.ReadAsync())
        {
            answers.Add(reader.GetGuid(0), reader.GetString(1));
        }
        return answers;
    }

    private async Task<TurnAcceptance> AcceptAsync(Func<TurnAcceptor, Task<TurnAcceptance>> turn)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await turn(scope.ServiceProvider.GetRequiredService<TurnAcceptor>());
    }

    /// <summary>The user's conversations, messages and jobs.</summary>
    private async Task<(long, long, long)> RowsAsync()
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM chat.conversations WHERE user_id = $1),
                   (SELECT count(*) FROM chat.messages m JOIN chat.conversations c ON c.id = m.conversation_id WHERE c.user_id = $1),
                   (SELECT count(*) FROM chat.generations WHERE user_id = $1)
            """, connection) { Parameters = { new() { Value = _userId } } };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private async Task ExecuteAsync(string sql, object value)
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = value } } };
        await command.ExecuteNonQueryAsync();
    }
}
