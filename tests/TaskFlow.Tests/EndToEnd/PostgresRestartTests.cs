using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Npgsql;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// "Nothing a user sent or received is lost when PostgreSQL restarts", cleanly or killed, against the real server of
/// a stack of its own.
/// </summary>
[Collection(RestartableStackCollection.Name)]
public sealed class PostgresRestartTests(RestartableStack stack)
{
    [Fact]
    public async Task PostgreSQL_restarting_between_turns_and_mid_answer_loses_no_answer_and_no_inference_log()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var conversationId = await socket.CompleteTurnAsync("before the database restarts");

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
        var second = await socket.CompleteTurnAsync(afterRestart);
        Assert.Equal(conversationId, second);

        // Mid-answer: the database is down when the answer ends, so its result waits for it to come back.
        const string prompt = "keep talking while the database is away [[delay:120]]";
        var (_, generationId, shown) = await socket.StartAnswerAsync(prompt);
        try
        {
            await stack.Postgres.StopAsync();
            await stack.WaitStreamEndedAsync(generationId);
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
    public async Task PostgreSQL_killed_is_started_again_by_the_AppHost_alone_and_the_services_work_after()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.CompleteTurnAsync("before the database crashes");

        // The postmaster itself, not the shell the dashboard shows: a crash of the server is a crash of the resource.
        var before = stack.ProcessIds();
        var postmaster = int.Parse(File.ReadLines(Path.Combine(stack.DataDirectory, "postgres", "pgdata", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        Process.GetProcessById(postmaster).Kill();
        await stack.Postgres.WaitRestartedAsync(before[stack.Postgres.Name]);
        NpgsqlConnection.ClearAllPools();
        stack.AssertOnlyRestarted(before, [stack.Postgres.Name]);

        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/conversations")).StatusCode);
        await socket.CompleteTurnAsync("after the database crashed");
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

    /// <summary>Starts PostgreSQL again; this test process's own pooled connections died with it too.</summary>
    private async Task RestartPostgresAsync()
    {
        await stack.Postgres.RestartAsync();
        await using var connection = new NpgsqlConnection(stack.Postgres.ConnectionString);
        NpgsqlConnection.ClearPool(connection);
    }
}
