using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;

namespace TaskFlow.Tests.AppHost;

/// <summary>What a user checks in the Aspire dashboard: a turn's trace across the services, each service's logs and metrics.</summary>
internal static class DashboardPages
{
    /// <summary>
    /// Opens the turn's trace by its id and checks what it spans; returns its page's address. The test sent the turn
    /// with a trace id of its own (the gateway continues a caller's trace), so the trace is opened directly: on a slow,
    /// busy machine the traces list had scrolled the turn out of its rendered rows before the browser looked.
    /// </summary>
    public static async Task<string> OpenTurnTraceAsync(IPage page, Uri dashboard, string traceId, Action<string> log)
    {
        // Each service exports its spans in its own batches: reload until the trace is whole.
        var detail = new Uri(dashboard, $"/traces/detail/{traceId}").ToString();
        var deadline = DateTime.UtcNow.AddSeconds(180);
        List<string> spans = [];
        while (true)
        {
            await page.GotoAsync(detail);
            try
            {
                // Each row's title is "resource: span name", plus "\nOutgoing call to <resource>" for a call to another resource.
                await page.Locator("td.expand-col[col-index='1']").First.WaitForAsync(new() { Timeout = 10_000 });
                spans = [.. await page.Locator("td.expand-col[col-index='1']").EvaluateAllAsync<string[]>("cells => cells.map(c => c.getAttribute('title') ?? '')")];
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                log("the turn's trace is not in the dashboard yet");
            }
            if (s_wanted.All(w => spans.Any(w.Matches)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(2_000);
        }

        log($"{spans.Count} spans:\n  " + string.Join("\n  ", spans.Select(s => s.Replace('\n', ' '))));
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

    public static async Task AssertHasLogsAndMetricsAsync(IPage page, Uri dashboard, string service, Action<string> log)
    {
        // A log row shows its resource in its first cell.
        await ExpectShownAsync(page, new Uri(dashboard, $"/structuredlogs/resource/{service}"),
            p => p.Locator("td[role='gridcell']").GetByText(service, new() { Exact = true }).First, log);
        // The instruments are listed by meter: the runtime's, ASP.NET Core's, and MassTransit's where a service has a bus.
        string[] meters = service is "gateway" or "web"
            ? ["System.Runtime", "Microsoft.AspNetCore.Hosting"]
            : ["System.Runtime", "Microsoft.AspNetCore.Hosting", "MassTransit"];
        await ExpectShownAsync(page, new Uri(dashboard, $"/metrics/resource/{service}"),
            p => p.GetByText(meters[0], new() { Exact = true }).First, log);
        foreach (var meter in meters[1..])
        {
            await Expect(page.GetByText(meter, new() { Exact = true }).First).ToBeVisibleAsync(s_visible);
        }

        log($"{service}: logs and metrics ({string.Join(", ", meters)}) shown");
    }

    /// <summary>
    /// Opens a dashboard page and waits until it shows <paramref name="shown"/>. When the dashboard's own error bar says
    /// its page failed ("An unhandled error has occurred. Reload"), reloads it, as that bar tells a user to: on a busy
    /// machine the dashboard's Blazor grid once threw ObjectDisposedException (Virtualize, in Aspire's code) and showed
    /// no resources at all. Any other failure fails the test.
    /// </summary>
    public static async Task ExpectShownAsync(IPage page, Uri address, Func<IPage, ILocator> shown, Action<string> log)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.GotoAsync(address.ToString());
            try
            {
                await Expect(shown(page)).ToBeVisibleAsync(s_visible);
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                if (!await page.GetByText("An unhandled error has occurred").IsVisibleAsync())
                {
                    throw;
                }
                log($"the dashboard's page {address.AbsolutePath} failed with its own error bar (attempt {attempt}); reloading it");
            }
        }
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    // Blazor renders after the page loads, slowly on a busy machine: wait as long as for any page action.
    private static readonly LocatorAssertionsToBeVisibleOptions s_visible = new() { Timeout = 30_000 };
}
