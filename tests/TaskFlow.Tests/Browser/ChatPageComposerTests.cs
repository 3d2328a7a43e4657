using Microsoft.Playwright;
using TaskFlow.ChatSocket.Sockets;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>The greeting of a new conversation, and a composer whose buttons stay put in every state and language.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageComposerTests(TaskFlowStack stack)
{
    private static readonly EngagementOptions Defaults = new();

    [Theory]
    [InlineData("en-US", "en", 1280)]
    [InlineData("zh-CN", "zh-Hans", 1280)]
    [InlineData("en-US", "en", 760)]
    [InlineData("zh-CN", "zh-Hans", 400)]
    public async Task A_new_conversation_is_greeted_in_the_pages_language_and_Send_never_moves(string locale, string language, int width)
    {
        await using var browser = await BrowserSession.StartAsync(options =>
        {
            options.Locale = locale;
            options.ViewportSize = new ViewportSize { Width = width, Height = 800 };
        });
        var page = browser.Page;
        await page.GotoAsync(stack.Gateway.ToString());
        await BrowserAccounts.RegisterAsync(page);

        // Streamed into the empty conversation, in the page's language, and not a message.
        await Assertions.Expect(page.GetByTestId("greeting")).ToHaveTextAsync(Defaults.Texts[language].Greeting, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator(".message")).ToHaveCountAsync(0);

        var send = page.GetByTestId("send");
        var idle = await BoxAsync(send);

        await ChatPageDriver.SendAsync(page, "answer slowly so the stop button shows [[delay:150]]");
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var generating = await BoxAsync(send);

        await Assertions.Expect(page.GetByTestId("regenerate")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeHiddenAsync();
        var finished = await BoxAsync(send);
        await browser.ScreenshotAsync($"composer-after-answer-{language}-{width}");

        Assert.Equal(idle, generating);
        Assert.Equal(idle, finished);
        // Send sits at the bottom right of the composer, beside the last row of tools however many rows they take.
        var box = await page.Locator(".composer-box").BoundingBoxAsync();
        var tools = await page.Locator(".composer-tools").BoundingBoxAsync();
        var sendBox = await send.BoundingBoxAsync();
        Assert.InRange(box!.X + box.Width - (sendBox!.X + sendBox.Width), 0, 16);
        Assert.InRange(tools!.Y + tools.Height - (sendBox.Y + sendBox.Height), -8, 8);

        // The greeting was never stored: after a reload the conversation is the question and its answer.
        await page.ReloadAsync();
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator(".message")).ToHaveCountAsync(2);
    }

    private static async Task<(int X, int Y, int Width)> BoxAsync(ILocator locator)
    {
        var box = (await locator.BoundingBoxAsync())!;
        return ((int)Math.Round(box.X), (int)Math.Round(box.Y), (int)Math.Round(box.Width));
    }
}
