using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

[Collection(SecondBrowserCollection.Name)]
public sealed class ChatPageTests(TaskFlowStack stack)
{
    [Fact]
    public async Task The_chat_page_through_the_gateway_streams_an_answer()
    {
        // 250 ms a token: the answer is still being written for about 4 s, long enough for a test slowed down on a
        // busy machine to see it so (at 30 ms it had finished before the first look).
        const string prompt = "Hello from the browser test [[delay:250]]";
        var expected = string.Concat(FakeModelServer.ReplyTo(prompt));

        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await page.GotoAsync(stack.Gateway.ToString());
        await BrowserAccounts.RegisterAsync(page);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Connected");
        await Assertions.Expect(page.GetByTestId("model-picker")).ToHaveValueAsync(FakeModelServer.ModelName);
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToBeHiddenAsync();

        await page.GetByTestId("input").FillAsync(prompt);
        await page.GetByTestId("send").ClickAsync();

        // The answer, not the idle check-in: the stack's 2.5 s of silence may pass before a slow test looks.
        var answer = ChatPageDriver.Answers(page).Last;
        // The slow fake model makes the answer visible while it is still being written.
        await Assertions.Expect(answer).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("waiting|streaming"));
        await Assertions.Expect(answer.Locator(".body")).ToHaveTextAsync(expected, new() { Timeout = 30_000 });
        await Assertions.Expect(answer).ToHaveAttributeAsync("data-done", "true");
        await Assertions.Expect(page.Locator(".message.user").Last.Locator(".body")).ToHaveTextAsync(prompt);
        await Assertions.Expect(page.GetByTestId("conversations").Locator("li")).Not.ToHaveCountAsync(0);

        var screenshot = await browser.ScreenshotAsync("chat-turn");
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot should show the rendered page");
    }
}
