using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;
using Xunit.Abstractions;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The user's path to the dashboard: the AppHost started as ./run.sh starts it, its printed login link opened in
/// Chromium, and one chat turn shown there as one trace across every service, with every service's logs and metrics.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DashboardTraceTests(ITestOutputHelper output)
{
    private static readonly string[] s_services = ["gateway", "web", "chatsocket", "inferenceworker", "telemetry"];

    /// <summary>The servers (RabbitMQ's Erlang VM and its epmd), DCP and the dashboard.</summary>
    private static readonly string[] s_programs = ["redis-server", "postgres", "beam.smp", "epmd", "dcp", "Aspire.Dashboard"];

    [Fact]
    public async Task A_chat_turn_is_one_trace_in_the_dashboard_across_every_service_and_every_service_logs_and_reports_metrics()
    {
        var clock = Stopwatch.StartNew();
        await using var model = await FakeModelServer.StartAsync();
        List<RunningProcess> left;
        IReadOnlyList<RunningProcess> started = [];
        var appHost = await AppHostProcess.StartAsync(
            [$"--ConnectionStrings:chat={model.ConnectionString}", "--DcpPublisher:RandomizePorts=true"], TimeSpan.FromMinutes(4));
        try
        {
            output.WriteLine($"running: {clock.Elapsed.TotalSeconds:0.0} s; chat {appHost.Chat}, dashboard {appHost.Dashboard}");
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
            using var submit = await user.Http.PostAsJsonAsync("/api/chat", new { message = "show me in the dashboard" });
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
            var events = await SseClient.ReadAsync(user.Http, submitted.GetProperty("statusUrl").GetString()!);
            Assert.Contains(events, e => e.Event == "ai_done");
            output.WriteLine($"turn answered: {clock.Elapsed.TotalSeconds:0.0} s");

            await using var browser = await BrowserSession.StartAsync(options => options.ViewportSize = new ViewportSize { Width = 1600, Height = 1800 });
            var page = browser.Page;
            page.SetDefaultTimeout(30_000);

            // Signing in with the printed link lands on the resources page.
            await page.GotoAsync(appHost.DashboardLogin.ToString());
            await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
            await Expect(page.GetByText("inferenceworker").First).ToBeVisibleAsync(s_visible);

            var trace = await OpenTurnTraceAsync(page, appHost.Dashboard);
            output.WriteLine($"trace {trace} checked: {clock.Elapsed.TotalSeconds:0.0} s");
            var screenshot = await browser.ScreenshotAsync("dashboard-trace");
            output.WriteLine($"screenshot: {screenshot}");

            foreach (var service in s_services)
            {
                await AssertHasLogsAndMetricsAsync(page, appHost.Dashboard, service);
            }
            output.WriteLine($"logs and metrics of every service: {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch (Exception e)
        {
            output.WriteLine($"failed: {e.Message}\nAppHost output:\n{appHost.Output}");
            throw;
        }
        finally
        {
            var stopping = Stopwatch.StartNew();
            await appHost.DisposeAsync();
            left = await appHost.ProcessesLeftAsync(started);
            output.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s; total {clock.Elapsed.TotalSeconds:0.0} s");
            TryDelete(appHost.DataDirectory);
        }

        // The AppHost, DCP, the dashboard, the servers and the services: none may outlive the SIGTERM.
        Assert.Empty(left);
    }

    /// <summary>Opens the turn's trace (the only POST /api/chat) and checks what it spans; returns its page's address.</summary>
    private async Task<string> OpenTurnTraceAsync(IPage page, Uri dashboard)
    {
        // Each service exports its spans in its own batches: reload until the trace is listed, then until it is whole.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var root = page.GetByText("gateway: POST /api/chat").First;
        while (true)
        {
            await page.GotoAsync(new Uri(dashboard, "/traces").ToString());
            try
            {
                await root.WaitForAsync(new() { Timeout = 10_000 });
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }

        await root.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/traces/detail/", StringComparison.Ordinal));
        var detail = page.Url;
        List<string> spans;
        while (true)
        {
            // Each row's title is "resource: span name", plus "\nOutgoing call to <resource>" for a call to another resource.
            await page.Locator("td.expand-col[col-index='1']").First.WaitForAsync();
            spans = [.. await page.Locator("td.expand-col[col-index='1']").EvaluateAllAsync<string[]>("cells => cells.map(c => c.getAttribute('title') ?? '')")];
            if (s_wanted.All(w => spans.Any(w.Matches)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(2_000);
            await page.GotoAsync(detail);
        }

        output.WriteLine($"{spans.Count} spans:\n  " + string.Join("\n  ", spans.Select(s => s.Replace('\n', ' '))));
        // The gateway's request is the root: every other span of the turn hangs below it in this one trace.
        Assert.Equal("gateway: POST /api/chat", spans[0]);
        foreach (var wanted in s_wanted)
        {
            Assert.True(spans.Any(wanted.Matches), $"The turn's trace in the dashboard has no span of {wanted.What}.");
        }

        return detail;
    }

    /// <summary>A span the turn's trace must hold, by the resource that recorded it and its row's title.</summary>
    private sealed record WantedSpan(string What, string Resource, Func<string, bool> Title)
    {
        public bool Matches(string title) =>
            title.StartsWith(Resource + ": ", StringComparison.Ordinal) && Title(title[(Resource.Length + 2)..]);
    }

    private static readonly WantedSpan[] s_wanted =
    [
        new("the gateway's proxy call to ChatSocket", "gateway", t => t.StartsWith("HTTP POST", StringComparison.Ordinal)),
        new("ChatSocket's request", "chatsocket", t => t == "POST /api/chat"),
        new("ChatSocket's publish of the job to RabbitMQ", "chatsocket", t => t.Contains("rabbitmq send", StringComparison.Ordinal)),
        new("the worker's consume of the job", "inferenceworker", t => t.EndsWith(" process", StringComparison.Ordinal)),
        new("the model call (GenAI)", "inferenceworker", t => t == "chat " + FakeModelServer.ModelName),
        new("the model's HTTP call", "inferenceworker", t => t.StartsWith("HTTP POST", StringComparison.Ordinal) && t.EndsWith("Outgoing call to chat", StringComparison.Ordinal)),
        new("ChatSocket's Redis command", "chatsocket", t => t.EndsWith("Outgoing call to redis", StringComparison.Ordinal)),
        new("the worker's Redis command", "inferenceworker", t => t.EndsWith("Outgoing call to redis", StringComparison.Ordinal)),
        new("the worker's publish to Telemetry", "inferenceworker", t => t.Contains("rabbitmq send", StringComparison.Ordinal) && t.Contains("Telemetry", StringComparison.Ordinal)),
        new("Telemetry's consume", "telemetry", t => t.EndsWith(" process", StringComparison.Ordinal)),
        new("Telemetry's database write", "telemetry", t => t.EndsWith("Outgoing call to taskflowdb", StringComparison.Ordinal)),
    ];

    private async Task AssertHasLogsAndMetricsAsync(IPage page, Uri dashboard, string service)
    {
        // A log row shows its resource in its first cell.
        await page.GotoAsync(new Uri(dashboard, $"/structuredlogs/resource/{service}").ToString());
        await Expect(page.Locator("td[role='gridcell']").GetByText(service, new() { Exact = true }).First).ToBeVisibleAsync(s_visible);
        // The instruments are listed by meter: the runtime's, ASP.NET Core's, and MassTransit's where a service has a bus.
        await page.GotoAsync(new Uri(dashboard, $"/metrics/resource/{service}").ToString());
        string[] meters = service is "gateway" or "web"
            ? ["System.Runtime", "Microsoft.AspNetCore.Hosting"]
            : ["System.Runtime", "Microsoft.AspNetCore.Hosting", "MassTransit"];
        foreach (var meter in meters)
        {
            await Expect(page.GetByText(meter, new() { Exact = true }).First).ToBeVisibleAsync(s_visible);
        }

        output.WriteLine($"{service}: logs and metrics ({string.Join(", ", meters)}) shown");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    // Blazor renders after the page loads, slowly on a busy machine: wait as long as for any page action.
    private static readonly LocatorAssertionsToBeVisibleOptions s_visible = new() { Timeout = 30_000 };

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A left-over process still writing: the assertion on processes reports it.
        }
    }
}
