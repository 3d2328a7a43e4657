using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using TaskFlow.Tests.Support;
using Xunit.Abstractions;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The dashboard's Stop of postgres, while the services hold pooled connections, is a clean and quick shutdown: the
/// server checkpoints and exits, the next start needs no crash recovery, and the services work again after it.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class PostgresStopTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stopping_postgres_with_clients_connected_is_a_fast_clean_shutdown_and_the_services_work_after_its_start()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

        var appHost = await RunningAppHost.StartAsync([], Log, ct);
        await using var running = appHost;
        var app = appHost.App;
        var postgres = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "postgres");
        var console = new List<string>();
        _ = Task.Run(async () =>
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(postgres).WithCancellation(ct))
            {
                lock (console)
                {
                    console.AddRange(batch.Select(line => line.Content));
                }
            }
        }, ct);

        // The services keep pooled connections open after a request: what made a SIGTERM (smart shutdown) wait.
        using (await TestUser.SignUpAsync(appHost.Gateway))
        {
        }
        Assert.True(await ClientSessionsAsync(await app.GetConnectionStringAsync("taskflowdb", ct), ct) > 0, "the services hold connections to postgres");

        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var stop = Stopwatch.StartNew();
        var stopped = await commands.ExecuteCommandAsync(postgres, KnownResourceCommands.StopCommand, ct);
        Assert.True(stopped.Success, $"stop: {stopped.Message}");
        await app.ResourceNotifications.WaitForResourceAsync("postgres", e => e.Snapshot.State?.Text is "Finished" or "Exited", ct);
        Log($"postgres stopped in {stop.Elapsed.TotalSeconds:0.0} s");

        // pg_control says how the server ended: "shut down" after a checkpoint, "in production" after a kill.
        Assert.Matches(new Regex(@"^Database cluster state:\s+shut down$", RegexOptions.Multiline), await ControlDataAsync(appHost.DataDirectory, ct));
        // How long it took is printed, not asserted: on a busy machine a clean stop took 6.5 s. A stop that outlasted
        // DCP's grace period would have been a kill, and the cluster state above would say "in production".

        var start = Stopwatch.StartNew();
        var started = await commands.ExecuteCommandAsync(postgres, KnownResourceCommands.StartCommand, ct);
        Assert.True(started.Success, $"start: {started.Message}");
        await app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("taskflowdb", ct);
        Log($"postgres healthy again in {start.Elapsed.TotalSeconds:0.0} s");

        string[] lines;
        lock (console)
        {
            lines = [.. console];
        }
        Assert.Contains(lines, l => l.Contains("received fast shutdown request", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("database system was shut down at", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("smart shutdown", StringComparison.Ordinal)
            || l.Contains("was interrupted", StringComparison.Ordinal)
            || l.Contains("automatic recovery", StringComparison.Ordinal));

        // The services' pooled connections died with the server; a new user's sign-up goes through all of them again.
        using (var user = await TestUser.SignUpAsync(appHost.Gateway))
        {
            Log($"{user.UserName} signed up after the restart");
        }

        // A crash of PostgreSQL itself is still a crash of the process the dashboard shows, which the AppHost starts again.
        var shown = appHost.ProcessId("postgres");
        var postmaster = int.Parse(File.ReadLines(Path.Combine(appHost.DataDirectory, "postgres", "pgdata", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        Process.GetProcessById(postmaster).Kill();
        var crashed = await app.ResourceNotifications.WaitForResourceAsync("postgres", e => e.Snapshot.State?.Text is "Finished" or "Exited", ct);
        Assert.Equal(137, crashed.Snapshot.ExitCode);
        await app.ResourceNotifications.WaitForResourceAsync(
            "postgres", e => RunningAppHost.ProcessId(e.Snapshot) is var pid && pid != 0 && pid != shown && e.Snapshot.HealthStatus == HealthStatus.Healthy, ct);
        Log($"postgres killed (-9) and started again by the AppHost");
    }

    private static async Task<long> ClientSessionsAsync(string? connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    /// <summary>pg_controldata's report on the cluster of the AppHost's postgres.</summary>
    private static async Task<string> ControlDataAsync(string dataDirectory, CancellationToken ct)
    {
        var bin = Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_controldata")).First(File.Exists);
        var start = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(dataDirectory, "postgres", "pgdata"));
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var report = await process.StandardOutput.ReadToEndAsync(ct);
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"pg_controldata: {error}");
        return report;
    }
}
