using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;
using Xunit.Abstractions;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The user's path through the AppHost on a machine without a container runtime, three starts over one data folder:
/// first as <c>./run.sh</c> runs it, its printed login link opened in Chromium and one chat turn shown in the dashboard
/// as one trace across every service, then the gateway (on its port itself, no proxy in front) killed and serving
/// again there; then through Aspire.Hosting.Testing with other passwords configured, where the
/// servers' data and their own passwords open again; then with a password file that does not open the data, where
/// start-up says which server refuses the login. After each, nothing it started may be left.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class AppHostRunTests(ITestOutputHelper output)
{
    private static readonly string[] s_services = ["gateway", "web", "chatsocket", "inferenceworker", "telemetry"];

    /// <summary>The servers (RabbitMQ's Erlang VM and its epmd), DCP and the dashboard.</summary>
    private static readonly string[] s_programs = ["redis-server", "postgres", "beam.smp", "epmd", "dcp", "Aspire.Dashboard"];

    /// <summary>
    /// One test, because each start costs a minute or more on a busy 2-core machine and each needs the data the
    /// previous one left: one AppHost start fewer than separate tests would need.
    /// </summary>
    [Fact]
    public async Task Run_as_run_sh_a_turn_shows_in_the_dashboard_the_data_opens_again_on_the_next_start_and_a_refused_login_is_reported()
    {
        var clock = Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(14));
        var ct = timeout.Token;
        string data;
        string userName;
        await using (var model = await FakeModelServer.StartAsync())
        {
            (data, userName) = await RunAsRunShAsync(model, Log);
        }

        try
        {
            // Each server's password went into its data folder with its data.
            foreach (var server in new[] { "redis", "postgres", "messaging" })
            {
                var file = new FileInfo(Path.Combine(data, server, "password"));
                Assert.True(file.Exists, $"{server} keeps its password next to its data");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, file.UnixFileMode);
            }

            await StartAgainWithOtherPasswordsAsync(data, userName, Log, ct);
            await StartWithARefusedLoginAsync(data, Log, ct);
        }
        finally
        {
            TryDelete(data);
        }
    }

    /// <summary>Start 1, as ./run.sh: the dashboard shows a turn; returns the data folder and a user signed up there.</summary>
    private async Task<(string Data, string UserName)> RunAsRunShAsync(FakeModelServer model, Action<string> log)
    {
        IReadOnlyList<RunningProcess> started = [];
        string userName;
        var appHost = await AppHostProcess.StartAsync(
            [$"--ConnectionStrings:chat={model.ConnectionString}", "--DcpPublisher:RandomizePorts=true"], TimeSpan.FromMinutes(8));
        try
        {
            log($"running; chat {appHost.Chat}, dashboard {appHost.Dashboard}");
            // What must stop with it below: DCP, the dashboard, the servers and the services, all under the AppHost.
            started = appHost.Processes();
            foreach (var program in s_programs.Concat(s_services.Select(s => $"TaskFlow.{s}")))
            {
                Assert.True(started.Any(p => p.Command.Contains(program, StringComparison.OrdinalIgnoreCase)),
                    $"No {program} runs under the AppHost:\n{string.Join('\n', started)}");
            }

            // One turn over HTTP through the gateway (over the socket the gateway only carries the connection, whose
            // span is linked from each turn's trace: docs/observability.md).
            using var user = await TestUser.SignUpAsync(appHost.Chat);
            userName = user.UserName;
            // The turn's trace id is the test's own, so that the dashboard can be asked for exactly that trace.
            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(new { message = "show me in the dashboard" }) };
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var submit = await user.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
            var events = await SseClient.ReadAsync(user.Http, submitted.GetProperty("statusUrl").GetString()!);
            Assert.Contains(events, e => e.Event == "ai_done");
            log("turn answered");

            await using var browser = await BrowserSession.StartAsync(options => options.ViewportSize = new ViewportSize { Width = 1600, Height = 1800 });
            var page = browser.Page;
            page.SetDefaultTimeout(30_000);

            // Signing in with the printed link lands on the resources page.
            await page.GotoAsync(appHost.DashboardLogin.ToString());
            await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
            await DashboardPages.ExpectShownAsync(page, appHost.Dashboard, p => p.GetByText("inferenceworker").First, log);

            var trace = await DashboardPages.OpenTurnTraceAsync(page, appHost.Dashboard, traceId, log);
            log($"trace {trace} checked; screenshot {await browser.ScreenshotAsync("dashboard-trace")}");
            foreach (var service in s_services)
            {
                await DashboardPages.AssertHasLogsAndMetricsAsync(page, appHost.Dashboard, service, log);
            }

            // The gateway listens on the chat's port itself, with no proxy in front: killed, it is started again on it.
            // Killed only after the trace was seen: spans reach the dashboard in batches, and a gateway killed right
            // after the turn once took its span of the turn with it (the trace began at ChatSocket).
            static bool IsGateway(RunningProcess process) => process.Command.Split(' ')[0].EndsWith("/TaskFlow.Gateway", StringComparison.Ordinal);
            var gateway = started.Single(IsGateway);
            ProcessTree.KillTogether([gateway.Pid]);
            using (var probe = new HttpClient { BaseAddress = appHost.Chat, Timeout = TimeSpan.FromSeconds(5) })
            {
                await Eventually.GetAsync(async () =>
                {
                    try
                    {
                        using var response = await probe.GetAsync("/");
                        return response.StatusCode == HttpStatusCode.OK ? (object?)true : null;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        return null;
                    }
                }, TimeSpan.FromMinutes(2), $"{appHost.Chat} to answer again");
            }
            Assert.Contains(appHost.Processes(), p => IsGateway(p) && p.Pid != gateway.Pid);
            log("gateway killed, and serving again on its port");
        }
        catch (Exception e)
        {
            log($"failed: {e.Message}\nAppHost output:\n{appHost.Output}");
            await appHost.DisposeAsync();
            TryDelete(appHost.DataDirectory);
            throw;
        }

        var stopping = Stopwatch.StartNew();
        await appHost.DisposeAsync();
        var left = await appHost.ProcessesLeftAsync(started);
        log($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s");
        // The AppHost, DCP, the dashboard, the servers and the services: none may outlive the SIGTERM.
        Assert.Empty(left);
        return (appHost.DataDirectory, userName);
    }

    /// <summary>Start 2: other passwords configured (user secrets cleared and generated again); the data's own still open it.</summary>
    private static async Task StartAgainWithOtherPasswordsAsync(string data, string userName, Action<string> log, CancellationToken ct)
    {
        string[] otherSecrets = ["--Parameters:redis-password=Other1", "--Parameters:postgres-password=Other2", "--Parameters:messaging-password=Other3"];
        var second = await RunningAppHost.StartAsync(otherSecrets, log, ct, data);
        await using (second)
        {
            var app = second.App;

            // The dashboard says where the servers come from.
            foreach (var name in new[] { "redis", "postgres", "messaging" })
            {
                var shown = await app.ResourceNotifications.WaitForResourceAsync(
                    name, e => e.Snapshot.Properties.Any(p => p.Name == "TaskFlow infrastructure"), ct);
                var mode = shown.Snapshot.Properties.Single(p => p.Name == "TaskFlow infrastructure").Value?.ToString();
                Assert.StartsWith("Executables", mode, StringComparison.Ordinal);
            }

            // The contract's shapes (docs/configuration.md), exactly as Aspire's containers would give them, with the
            // data's passwords rather than the ones configured.
            Assert.Matches(RedisShape(), await app.GetConnectionStringAsync("redis", ct));
            Assert.Matches(DatabaseShape(), await app.GetConnectionStringAsync("taskflowdb", ct));
            Assert.Matches(MessagingShape(), await app.GetConnectionStringAsync("messaging", ct));
            Assert.DoesNotContain("Other2", await app.GetConnectionStringAsync("taskflowdb", ct), StringComparison.Ordinal);

            using var gateway = app.CreateHttpClient("gateway");
            var alive = await gateway.GetAsync(new Uri("/alive", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Contains("Healthy", await alive.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            // Health details are for the operator: only on the gateway's management endpoint.
            Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync(new Uri("/health", UriKind.Relative), ct)).StatusCode);
            using var management = app.CreateHttpClient("gateway", "management");
            Assert.Equal(HttpStatusCode.OK, (await management.GetAsync(new Uri("/health", UriKind.Relative), ct)).StatusCode);

            // What was stored is there.
            using var again = await TestUser.SignInAsync(second.Gateway, userName);
            using var page = await again.Http.GetAsync(new Uri("/", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        Assert.Empty(await second.LeftoverProcessesAsync());
        log("second start: data and passwords opened again");
    }

    /// <summary>
    /// Start 3: a password file that does not open the data (copied from elsewhere). Start-up says which server refuses
    /// the login and what to read, instead of waiting in silence.
    /// </summary>
    private static async Task StartWithARefusedLoginAsync(string data, Action<string> log, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(data, "postgres", "password"), "NotThePassword\n", ct);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Every 5 s rather than 30: the first lines may come before postgres has refused anyone.
        var third = await RunningAppHost.StartAsync(["--TaskFlow:StartupProgressInterval=00:00:05"],
            line => { lines.Enqueue(line); log(line); }, ct, data, waitHealthy: false);
        await using (third)
        {
            static bool Refused(string line) => line.Contains("still starting", StringComparison.Ordinal) && line.Contains("28P01", StringComparison.Ordinal);
            await Eventually.TrueAsync(() => lines.Any(Refused), TimeSpan.FromSeconds(60), "a progress line naming the refused login within 60 s");
            var report = lines.First(Refused);
            Assert.Contains("postgres: Running, not healthy: 28P01: password authentication failed", report, StringComparison.Ordinal);
            // Others (RabbitMQ's epmd on a slow start) may still be waiting beside them: the ones behind postgres must be named.
            var waiting = WaitingList().Match(report).Groups["names"].Value.Split(", ");
            Assert.Superset(new HashSet<string> { "taskflowdb", "web", "chatsocket" }, waiting.ToHashSet());
            Assert.Contains("Data and passwords", report, StringComparison.Ordinal);
        }

        // Stopped while its services still wait: nothing it started may be left.
        Assert.Empty(await third.LeftoverProcessesAsync());
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A left-over process still writing: the assertions on processes report it.
        }
    }

    [GeneratedRegex(@"waiting for them: (?<names>[a-z0-9-]+(, [a-z0-9-]+)*)")]
    private static partial Regex WaitingList();

    [GeneratedRegex(@"^localhost:\d+,password=[A-Za-z0-9]+$")]
    private static partial Regex RedisShape();

    [GeneratedRegex(@"^Host=localhost;Port=\d+;Username=postgres;Password=[A-Za-z0-9]+;Database=taskflowdb$")]
    private static partial Regex DatabaseShape();

    [GeneratedRegex(@"^amqp://guest:[A-Za-z0-9%]+@localhost:\d+$")]
    private static partial Regex MessagingShape();
}
