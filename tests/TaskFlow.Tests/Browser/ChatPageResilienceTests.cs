using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>Reloads and lost connections in the middle of an answer: every answer ends up on the page exactly once.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageResilienceTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Reloading_mid_stream_reloads_the_history_and_finishes_the_answer_exactly_once()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await ChatPageDriver.SendAsync(page, "an earlier question");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        const string prompt = "please survive a reload [[delay:100]]";
        await ChatPageDriver.SendAsync(page, prompt);
        var answers = ChatPageDriver.Answers(page);
        await Assertions.Expect(answers.Nth(1).Locator(".body")).ToContainTextAsync("You said: please", new() { Timeout = 15_000 });

        await page.ReloadAsync();

        var expected = ChatPageDriver.Expected(prompt);
        await Assertions.Expect(answers.Locator(".body")).ToHaveTextAsync(
            [ChatPageDriver.Expected("an earlier question"), expected], ChatPageDriver.Streaming);
        await Assertions.Expect(answers.Nth(1)).ToHaveAttributeAsync("data-done", "true");
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(["an earlier question", prompt]);
        Assert.Contains("conversationId=", (await ChatPageDriver.SocketUrlsAsync(page)).Single());
        Assert.DoesNotContain("lastSeq", (await ChatPageDriver.SocketUrlsAsync(page)).Single());

        // Nothing arrives twice later either, and the stored history agrees.
        await page.WaitForTimeoutAsync(1000);
        await Assertions.Expect(answers.Locator(".body")).ToHaveTextAsync([ChatPageDriver.Expected("an earlier question"), expected]);
        await browser.ScreenshotAsync("reload-mid-stream");
        await page.ReloadAsync();
        await Assertions.Expect(answers.Locator(".body")).ToHaveTextAsync([ChatPageDriver.Expected("an earlier question"), expected]);
    }

    [Fact]
    public async Task A_dropped_connection_reconnects_with_backoff_and_resumes_after_the_last_token_seen()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        const string prompt = "keep going through a network hiccup [[delay:150]]";
        await ChatPageDriver.SendAsync(page, prompt);
        var answer = ChatPageDriver.Answers(page).Last;
        await Assertions.Expect(answer.Locator(".body")).ToContainTextAsync("You said: keep", new() { Timeout = 15_000 });

        // "Reconnecting in 1 s…" lasts only the backoff: the page records each status it shows, so a test slowed
        // down on a busy machine still sees it after "Reconnected" replaced it.
        await page.EvaluateAsync("""
            (() => {
              const status = document.querySelector('[data-testid=status]');
              window.__statuses = [status.textContent];
              new MutationObserver(() => window.__statuses.push(status.textContent))
                .observe(status, { childList: true, characterData: true, subtree: true });
            })()
            """);
        await ChatPageDriver.DropSocketAsync(page);
        await page.WaitForFunctionAsync(@"() => window.__statuses.some(t => /Reconnecting in \d+ s…/.test(t))", null, new() { Timeout = 10_000 });
        await browser.ScreenshotAsync("reconnecting");

        var expected = ChatPageDriver.Expected(prompt);
        await Assertions.Expect(answer.Locator(".body")).ToHaveTextAsync(expected, ChatPageDriver.Streaming);
        await Assertions.Expect(answer).ToHaveAttributeAsync("data-done", "true");
        await Assertions.Expect(ChatPageDriver.Answers(page)).ToHaveCountAsync(1);

        var urls = await ChatPageDriver.SocketUrlsAsync(page);
        Assert.True(urls.Length >= 2, "the page should have opened a second socket");
        var lastSeq = Regex.Match(urls[^1], @"lastSeq=(\d+)");
        Assert.True(lastSeq.Success, $"the reconnect should say which token it saw last: {urls[^1]}");
        Assert.True(int.Parse(lastSeq.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 1);
        // The server replayed only what came after it (the greeting's tokens are another generation's).
        var replayed = await page.EvaluateAsync<int[]>(
            "(() => { const canned = new Set(window.__received.filter(e => e.type === 'ai_start' && e.kind !== 'answer').map(e => e.generationId)); " +
            "return window.__received.filter(e => e.type === 'ai_token' && !canned.has(e.generationId)).map(e => e.seq); })()");
        Assert.Equal(replayed.Length, replayed.Distinct().Count());
    }

    [Fact]
    public async Task An_answer_that_finished_while_the_page_was_offline_appears_once_after_reconnecting()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        const string prompt = "finish while I am away [[delay:400]]";
        await ChatPageDriver.SendAsync(page, prompt);
        var answer = ChatPageDriver.Answers(page).Last;
        await Assertions.Expect(answer).ToHaveClassAsync(new Regex("waiting|streaming"), new() { Timeout = 15_000 });
        var id = await ChatPageDriver.ConversationIdAsync(page);

        // The network goes away while the answer is being written, and stays away until it is finished and stored.
        await ChatPageDriver.BlockSocketsAsync(page, true);
        await ChatPageDriver.DropSocketAsync(page);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync(new Regex("Reconnecting in"));
        await Eventually.GetAsync(async () =>
        {
            var lastRole = await page.EvaluateAsync<string?>(
                $"fetch('/api/conversations/{id}').then(r => r.json()).then(c => c.messages.at(-1)?.role ?? null)");
            return lastRole == "assistant" ? lastRole : null;
        }, TimeSpan.FromSeconds(30), "the answer to be finished and stored");

        await ChatPageDriver.BlockSocketsAsync(page, false);
        // Retry at once, as a person would; the page's own backoff (10 s at most, +25 %) may get there first, after which
        // there is nothing to retry. A page that never reconnects fails on the answer below.
        var retry = page.GetByTestId("retry-now");
        try
        {
            await retry.ClickAsync(new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            Assert.False(await retry.IsVisibleAsync(), "\"Retry now\" is shown but could not be clicked");
        }

        var expected = ChatPageDriver.Expected(prompt);
        await Assertions.Expect(answer.Locator(".body")).ToHaveTextAsync(expected, ChatPageDriver.Streaming);
        await Assertions.Expect(answer).ToHaveAttributeAsync("data-done", "true");
        await Assertions.Expect(ChatPageDriver.Answers(page)).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByTestId("status")).Not.ToHaveTextAsync(new Regex("Reconnecting"));
        await page.WaitForTimeoutAsync(500);
        await Assertions.Expect(ChatPageDriver.Answers(page)).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("finished-while-offline");
    }

    [Fact]
    public async Task The_page_works_on_a_narrow_screen()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await page.SetViewportSizeAsync(390, 844);
        await ChatPageDriver.SendAsync(page, "hello from a phone");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("conversations")).Not.ToBeInViewportAsync();
        await browser.ScreenshotAsync("narrow-chat");

        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Show conversations" });
        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(page.GetByTestId("conversations").Locator("li")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("new-chat")).ToBeFocusedAsync();
        await page.WaitForTimeoutAsync(300); // the slide-in transition
        await browser.ScreenshotAsync("narrow-sidebar");

        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Assertions.Expect(toggle).ToBeFocusedAsync();
    }
}
