using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// "Nothing a user sent or received is lost when Redis restarts or a worker dies": the answer goes on or is run again,
/// and is stored once. Against the real servers of a stack of its own.
/// </summary>
[Collection(RestartableStackCollection.Name)]
public sealed class RedisAndWorkerRestartTests(RestartableStack stack)
{
    [Fact]
    public async Task Redis_restarting_mid_answer_still_gives_the_user_the_whole_answer_stored_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string prompt = "stream through a restart of redis [[delay:120]]";
        var started = await socket.StartAnswerAsync(prompt);

        // A quick restart: the Redis client holds the worker's writes and the relay's reads until it is back.
        var away = System.Diagnostics.Stopwatch.StartNew();
        await stack.Redis.RestartAsync();
        away.Stop();

        var answer = await stack.AssertAnsweredOnceAsync(socket, started, prompt);
        var calls = await InferenceLogs.CallsAsync(stack, started.GenerationId);
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
        var started = await socket.StartAnswerAsync(prompt);

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

        var answer = await stack.AssertAnsweredOnceAsync(socket, started, prompt);
        Assert.True(answer.Restarted, "the client must be told to drop what it was shown before the answer was run again");
        // The abandoned call was Redis's failure, not the model's: it is neither retried as one nor logged. The call
        // that answered is the generation's second (numbers continue across runs of a job).
        Assert.Equal(["2|completed|"], await InferenceLogs.CallsAsync(stack, started.GenerationId));
        Assert.Equal(2, stack.Model.AttemptsFor(prompt));
    }

    [Fact]
    public async Task Workers_killed_mid_answer_are_replaced_alone_and_the_answer_is_restarted_and_stored()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string prompt = "outlive the worker that started me [[delay:120]]";
        var started = await socket.StartAnswerAsync(prompt);

        // Both, since either may hold the job; the AppHost starts each again and leaves everything else running.
        var before = stack.ProcessIds();
        await stack.Services.KillAllAsync(ServiceNames.InferenceWorker);
        await stack.Services.RestartAllAsync(ServiceNames.InferenceWorker);
        stack.AssertOnlyRestarted(before, stack.Workers);

        var answer = await stack.AssertAnsweredOnceAsync(socket, started, prompt);
        Assert.True(answer.Restarted, "the client must be told to drop the dead worker's partial answer");
        // The dead worker's call left no log; the one that answered is the generation's second call.
        Assert.Equal(["2|completed|"], await InferenceLogs.CallsAsync(stack, started.GenerationId));
        Assert.Equal(2, stack.Model.AttemptsFor(prompt));
    }
}
