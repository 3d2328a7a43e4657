using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>The performance panel shows Telemetry's stats for what the person just did, and follows new calls live.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPagePerformanceTests(TaskFlowStack stack)
{
    [Fact]
    public async Task The_panel_shows_the_callers_calls_including_retries_and_failures_and_updates_live()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        // One answer, one answer after a retried call, one failure: four model calls, two of them successful.
        await SendAndWaitAsync(page, "how fast are you", ended: 1);
        await SendAndWaitAsync(page, "flaky once [[fail-times:1:503]]", ended: 2);
        await SendAndWaitAsync(page, "broken [[fail:401]]", ended: 3);

        await page.GetByTestId("performance-panel").Locator("summary").ClickAsync();
        await page.GetByTestId("perf-scope").SelectOptionAsync("mine");
        await Assertions.Expect(page.GetByTestId("perf-total")).ToHaveTextAsync("4", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("perf-success")).ToHaveTextAsync("50 %");
        await Assertions.Expect(page.GetByTestId("perf-latency")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,.]* (ms|s)$"));
        await Assertions.Expect(page.GetByTestId("perf-models").Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("perf-models").Locator("tbody td").First).ToHaveTextAsync(FakeModelServer.ModelName);

        var calls = page.GetByTestId("perf-recent").Locator("li");
        await Assertions.Expect(calls).ToHaveCountAsync(4);
        await Assertions.Expect(calls.First).ToHaveClassAsync("call failed");
        await Assertions.Expect(calls.First).ToContainTextAsync("PERMISSION_DENIED");
        await Assertions.Expect(calls.Filter(new() { HasText = "attempt 2" })).ToHaveCountAsync(1);
        await Assertions.Expect(calls.Filter(new() { HasText = "SERVICE_UNAVAILABLE" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("perf-timeline").Locator("rect.failed")).Not.ToHaveCountAsync(0);
        await browser.ScreenshotAsync("performance-panel");

        // Live: a new call shows up at the next refresh without touching the panel.
        await SendAndWaitAsync(page, "one more for the stats", ended: 4);
        await Assertions.Expect(page.GetByTestId("perf-total")).ToHaveTextAsync("5", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("perf-success")).ToHaveTextAsync("60 %");

        // The choice of scope is remembered.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("perf-scope")).ToHaveValueAsync("mine");
    }

    private static async Task SendAndWaitAsync(IPage page, string text, int ended)
    {
        await ChatPageDriver.SendAsync(page, text);
        await page.WaitForFunctionAsync(
            // The greeting ends with an ai_done of its own; only answers count.
            "() => { const canned = new Set(window.__received.filter(e => e.type === 'ai_start' && e.kind !== 'answer').map(e => e.generationId)); " +
            $"return window.__received.filter(e => (e.type === 'ai_done' || e.type === 'ai_error') && !canned.has(e.generationId)).length >= {ended}; }}",
            null, new() { Timeout = 30_000 });
    }
}
