using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>The answer as it is written: typing indicator, cursor, stop, interrupt, typing events, idle check-ins, keyboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageStreamingTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Dots_until_the_first_token_then_a_cursor_and_escape_stops_keeping_the_text()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        // The dots show until the first token, which the fake sends after its delay: longer than Playwright's longest
        // poll (1 s), so an expectation that has slowed to polling each second cannot step over them (700 ms once did).
        const string prompt = "tell me a long story [[delay:1500]]";
        await ChatPageDriver.SendAsync(page, prompt);

        var answer = ChatPageDriver.Answers(page).Last;
        await Assertions.Expect(answer.Locator(".typing")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("job-panel")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("typing-indicator");

        await Assertions.Expect(answer.Locator(".cursor")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(answer.Locator(".typing")).ToHaveCountAsync(0);
        await Assertions.Expect(answer.Locator(".body")).ToContainTextAsync("You said:", new() { Timeout = 15_000 });
        Assert.Equal("true", await page.GetByTestId("messages").GetAttributeAsync("aria-busy"));
        await browser.ScreenshotAsync("streaming-cursor");

        await page.GetByTestId("input").PressAsync("Escape");
        await Assertions.Expect(answer.GetByTestId("badge")).ToHaveTextAsync("Cancelled", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeHiddenAsync();
        // Not busy once stopped (the stack's idle check-in, 2.5 s later, makes it busy again: asked now, not later).
        await Assertions.Expect(page.GetByTestId("messages")).ToHaveAttributeAsync("aria-busy", "false");
        await Assertions.Expect(answer.Locator(".cursor")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("input")).ToBeFocusedAsync();
        Assert.Contains("cancel", await ChatPageDriver.SentTypesAsync(page));

        var kept = await answer.Locator(".body").InnerTextAsync();
        Assert.StartsWith("You said:", kept);
        Assert.StartsWith(kept.Trim(), ChatPageDriver.Expected(prompt));
        // Nothing of the stopped answer arrives later.
        await page.WaitForTimeoutAsync(1500);
        Assert.Equal(kept, await answer.Locator(".body").InnerTextAsync());
        await browser.ScreenshotAsync("cancelled");
    }

    [Fact]
    public async Task Sending_while_an_answer_streams_interrupts_it_and_the_new_answer_follows()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        // A second between tokens: the first answer must still be streaming when the second message arrives, even on
        // a slow machine where the page shows its first words late.
        const string first = "first question [[delay:1000]]";
        const string second = "second question [[delay:20]]";
        await ChatPageDriver.SendAsync(page, first);
        var answers = ChatPageDriver.Answers(page);
        // Its job may wait for a slot of the shared stack's worker, busy with the other collections' answers.
        await Assertions.Expect(answers.First.Locator(".body")).ToContainTextAsync("said:", new() { Timeout = 60_000 });

        // Sending is allowed while the answer streams.
        await Assertions.Expect(page.GetByTestId("send")).ToBeEnabledAsync();
        await ChatPageDriver.SendAsync(page, second);

        await Assertions.Expect(answers.First.GetByTestId("badge")).ToHaveTextAsync("Interrupted", new() { Timeout = 15_000 });
        var kept = await answers.First.Locator(".body").InnerTextAsync();
        Assert.StartsWith(kept.Trim(), ChatPageDriver.Expected(first));
        Assert.NotEqual(ChatPageDriver.Expected(first), kept.Trim());

        await Assertions.Expect(answers.Nth(1).Locator(".body")).ToHaveTextAsync(ChatPageDriver.Expected(second), ChatPageDriver.Streaming);
        await Assertions.Expect(answers.Nth(1)).ToHaveAttributeAsync("data-done", "true");
        await Assertions.Expect(answers.Nth(1).GetByTestId("badge")).ToHaveCountAsync(0);
        Assert.Equal(kept, await answers.First.Locator(".body").InnerTextAsync());
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync([first, second]);
        await browser.ScreenshotAsync("interrupted");

        // The stored history says the same after a reload.
        await page.ReloadAsync();
        await Assertions.Expect(answers).ToHaveCountAsync(2);
        await Assertions.Expect(answers.First.GetByTestId("badge")).ToHaveTextAsync("Interrupted");
        await Assertions.Expect(answers.Nth(1).Locator(".body")).ToHaveTextAsync(ChatPageDriver.Expected(second));
    }

    [Fact]
    public async Task Enter_sends_shift_enter_adds_a_line_and_typing_is_reported_debounced()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        var input = page.GetByTestId("input");
        await Assertions.Expect(input).ToBeFocusedAsync();

        // Enter on an empty box sends nothing.
        await input.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".message.user")).ToHaveCountAsync(0);

        // Typing for longer than the stack's TypingNudgeAfter (1.5 s): one user_typing, then a gentle nudge.
        await input.PressSequentiallyAsync("line one, typed slowly", new() { Delay = 120 });
        await input.PressAsync("Shift+Enter");
        await input.PressSequentiallyAsync("line two");
        await Assertions.Expect(input).ToHaveValueAsync("line one, typed slowly\nline two");
        await Assertions.Expect(page.Locator(".note.typing-nudge")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        // One typing spell, not one event per key. On a slow machine the nudge may come after the pause below has
        // already sent its stop.
        var typed = await ChatPageDriver.SentTypesAsync(page);
        Assert.True(typed is ["user_typing"] or ["user_typing", "user_stopped_typing"], string.Join(", ", typed));
        await browser.ScreenshotAsync("typing-nudge");

        // 1.5 s without a keystroke: user_stopped_typing, once.
        await page.WaitForTimeoutAsync(2000);
        Assert.Equal(["user_typing", "user_stopped_typing"], await ChatPageDriver.SentTypesAsync(page));

        // Typing again, then Enter: a new typing spell, stopped by the send itself.
        await input.PressSequentiallyAsync("!");
        await input.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync("line one, typed slowly\nline two!");
        Assert.Equal(
            ["user_typing", "user_stopped_typing", "user_typing", "user_stopped_typing", "user_message"],
            await ChatPageDriver.SentTypesAsync(page));
        await Assertions.Expect(input).ToHaveValueAsync("");
        await Assertions.Expect(input).ToBeFocusedAsync();
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task After_an_answer_an_idle_check_in_streams_and_then_the_conversation_ends()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await ChatPageDriver.SendAsync(page, "are you there?");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        var nudge = page.Locator(".message.assistant[data-kind=nudge]");
        await Assertions.Expect(nudge.Locator(".body")).ToHaveTextAsync(new Regex("^Still there\\?"), new() { Timeout = 15_000 });
        await Assertions.Expect(nudge).ToHaveAttributeAsync("data-done", "true");
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator(".note.ended")).ToHaveTextAsync(
            "This conversation ended after inactivity — send a message to continue.", new() { Timeout = 15_000 });
        await browser.ScreenshotAsync("idle-ended");

        // A message reopens it.
        await ChatPageDriver.SendAsync(page, "back again");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page).Last.Locator(".body")).ToHaveTextAsync(ChatPageDriver.Expected("back again"));
    }
}
