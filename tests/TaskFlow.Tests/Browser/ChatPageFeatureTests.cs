using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>The page's features in a real browser, against the whole running system.</summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class ChatPageFeatureTests(TaskFlowStack stack)
{
    private static readonly PageAssertionsToHaveURLOptions Patient = new() { Timeout = 15_000 };

    [Fact]
    public async Task Regenerate_replaces_the_last_answer_on_the_page_and_in_the_stored_conversation()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        var regenerate = page.GetByTestId("regenerate");
        await Assertions.Expect(regenerate).ToBeHiddenAsync();

        const string prompt = "name three owls";
        await ChatPageDriver.SendAsync(page, prompt);
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(regenerate).ToBeVisibleAsync();
        var replaced = await ChatPageDriver.FinishedAnswers(page).GetAttributeAsync("data-message-id");

        await regenerate.ClickAsync();
        var fresh = page.Locator($".message.assistant[data-kind=answer][data-done=true]:not([data-message-id=\"{replaced}\"])");
        await Assertions.Expect(fresh.Locator(".body")).ToHaveTextAsync(ChatPageDriver.Expected(prompt), new() { Timeout = 30_000 });
        await Assertions.Expect(ChatPageDriver.Answers(page)).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".message.user")).ToHaveCountAsync(1);
        await Assertions.Expect(regenerate).ToBeVisibleAsync();

        // Stored the same way: after a reload, one question and the new answer.
        await page.ReloadAsync();
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        Assert.NotEqual(replaced, await ChatPageDriver.FinishedAnswers(page).GetAttributeAsync("data-message-id"));
        await Assertions.Expect(page.Locator(".message.user")).ToHaveCountAsync(1);
        await Assertions.Expect(regenerate).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Markdown_is_rendered_and_hostile_html_from_the_model_is_neutralised()
    {
        await using var browser = await SignedInAsync();
        var page = browser.Page;
        await SendAsync(page, "**bold** and `code` <img src=x onerror=\"window.__pwned=1\"> <script>window.__pwned=2</script>");

        var answer = page.Locator(".message.assistant[data-kind=answer][data-done=true]").Last;
        await Assertions.Expect(answer.Locator("strong")).ToHaveTextAsync("bold", new() { Timeout = 30_000 });
        await Assertions.Expect(answer.Locator("code")).ToHaveTextAsync("code");
        Assert.Equal(0, await page.Locator(".messages img[onerror], .messages script").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("window.__pwned"));
        await browser.ScreenshotAsync("markdown");
    }

    [Fact]
    public async Task Reloading_mid_answer_shows_the_answer_finished_exactly_once()
    {
        await using var browser = await SignedInAsync();
        var page = browser.Page;
        const string prompt = "a slow answer to survive a reload [[delay:150]]";
        await SendAsync(page, prompt);
        await Assertions.Expect(page.Locator(".message.assistant.streaming")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"\?c="), Patient);

        await page.ReloadAsync();

        var expected = string.Concat(FakeModelServer.ReplyTo(prompt));
        var answers = page.Locator(".message.assistant .body");
        await Assertions.Expect(answers.Last).ToHaveTextAsync(expected, new() { Timeout = 30_000 });
        await Assertions.Expect(answers).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(prompt);
        await browser.ScreenshotAsync("reload-mid-answer");
    }

    [Fact]
    public async Task Interrupting_and_stopping_mark_the_answers()
    {
        await using var browser = await SignedInAsync();
        var page = browser.Page;
        await SendAsync(page, "first long answer [[delay:200]]");
        await Assertions.Expect(page.Locator(".message.assistant.streaming")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await SendAsync(page, "second, interrupting [[delay:200]]");
        await Assertions.Expect(page.Locator(".message.assistant").First.GetByTestId("badge")).ToHaveTextAsync("Interrupted", new() { Timeout = 15_000 });

        await Assertions.Expect(page.GetByTestId("cancel")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".message.assistant.streaming")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await page.GetByTestId("cancel").ClickAsync();
        await Assertions.Expect(page.Locator(".message.assistant").Nth(1).GetByTestId("badge")).ToHaveTextAsync("Cancelled", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("cancel")).ToBeHiddenAsync();
        await browser.ScreenshotAsync("interrupted-and-cancelled");
    }

    [Fact]
    public async Task The_sidebar_lists_opens_and_deletes_conversations_and_shows_queue_progress()
    {
        await using var browser = await SignedInAsync();
        var page = browser.Page;
        await SendAsync(page, "first conversation");
        await Assertions.Expect(page.Locator(".message.assistant[data-kind=answer][data-done=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByTestId("new-chat").ClickAsync();
        await SendAsync(page, "second conversation [[delay:60]]");
        await Assertions.Expect(page.GetByTestId("job-panel")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".message.assistant[data-kind=answer][data-done=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        var items = page.GetByTestId("conversations").Locator("li");
        await Assertions.Expect(items).ToHaveCountAsync(2);
        await Assertions.Expect(items.First.Locator(".title")).ToHaveTextAsync("second conversation [[delay:60]]");
        await Assertions.Expect(items.First.Locator(".meta")).ToContainTextAsync("2 messages");
        await Assertions.Expect(page.GetByTestId("history").Locator("li")).ToHaveCountAsync(2);

        await items.Nth(1).Locator(".open").ClickAsync();
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync("first conversation");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await items.Nth(1).GetByTestId("delete-conversation").ClickAsync();
        await Assertions.Expect(items).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".message")).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("sidebar");
    }

    [Fact]
    public async Task Generate_question_fills_the_input_and_the_settings_page_creates_an_api_key()
    {
        await using var browser = await SignedInAsync();
        var page = browser.Page;
        await page.GetByTestId("generate-question").ClickAsync();
        await Assertions.Expect(page.GetByTestId("input")).ToHaveValueAsync(new Regex("Suggest one interesting"), new() { Timeout = 30_000 });

        await page.GetByTestId("settings-link").ClickAsync();
        await page.GetByTestId("key-name").FillAsync("browser test");
        await page.GetByTestId("create-key").ClickAsync();
        await Assertions.Expect(page.GetByTestId("secret-value")).ToHaveTextAsync(new Regex("^tf_"));
        await Assertions.Expect(page.GetByTestId("keys").Locator("tr")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("settings");
    }

    private async Task<BrowserSession> SignedInAsync()
    {
        var browser = await BrowserSession.StartAsync();
        await browser.Page.GotoAsync(stack.Gateway.ToString());
        await BrowserAccounts.RegisterAsync(browser.Page);
        await Assertions.Expect(browser.Page.GetByTestId("status")).ToHaveTextAsync("Connected");
        return browser;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByTestId("input").FillAsync(text);
        await page.GetByTestId("input").PressAsync("Enter");
    }
}
