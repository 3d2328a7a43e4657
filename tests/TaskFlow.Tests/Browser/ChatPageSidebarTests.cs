using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>The conversation list, the per-conversation model, and what happens when a conversation or the sign-in is gone.</summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class ChatPageSidebarTests(TaskFlowStack stack)
{
    [Fact]
    public async Task The_sidebar_lists_opens_and_deletes_conversations()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await Assertions.Expect(page.Locator("#conversations-empty")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("empty-state")).ToBeVisibleAsync();

        await ChatPageDriver.SendAsync(page, "apples are red");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var firstId = await ChatPageDriver.ConversationIdAsync(page);
        await Assertions.Expect(page.GetByTestId("model-picker")).ToBeDisabledAsync();

        await page.GetByTestId("new-chat").ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(@"\?c="));
        await Assertions.Expect(page.GetByTestId("model-picker")).ToBeEnabledAsync();
        await Assertions.Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("New chat");
        await Assertions.Expect(page.GetByTestId("input")).ToBeFocusedAsync();
        await ChatPageDriver.SendAsync(page, "bananas are yellow");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var secondId = await ChatPageDriver.ConversationIdAsync(page);

        var items = page.GetByTestId("conversations").Locator("li");
        await Assertions.Expect(items).ToHaveCountAsync(2);
        await Assertions.Expect(items.Locator(".title")).ToHaveTextAsync(["bananas are yellow", "apples are red"]);
        await Assertions.Expect(items.First.Locator(".preview")).ToHaveTextAsync(ChatPageDriver.Expected("bananas are yellow"));
        await Assertions.Expect(items.First.Locator(".meta")).ToHaveTextAsync("2 messages · just now");
        await Assertions.Expect(items.First).ToHaveClassAsync("active");
        await Assertions.Expect(items.First.Locator(".open")).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("bananas are yellow");
        await Assertions.Expect(page.Locator("#conversations-empty")).ToBeHiddenAsync();

        // Opening the other one loads its history, shows its model read-only and makes it the active one.
        await items.Nth(1).Locator(".open").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"\?c={firstId}"));
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(["apples are red"]);
        await Assertions.Expect(ChatPageDriver.Answers(page).Locator(".body")).ToHaveTextAsync([ChatPageDriver.Expected("apples are red")]);
        await Assertions.Expect(items.Nth(1)).ToHaveClassAsync("active");
        await Assertions.Expect(page.GetByTestId("model-picker")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("model-picker")).ToHaveValueAsync(Fakes.FakeModelServer.ModelName);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Connected");
        Assert.Contains(await ChatPageDriver.SocketUrlsAsync(page), url => url.Contains($"conversationId={firstId}", StringComparison.Ordinal));

        // Back goes to the conversation before.
        await page.GoBackAsync();
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(["bananas are yellow"]);
        await page.GoForwardAsync();
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(["apples are red"]);
        await browser.ScreenshotAsync("sidebar-open-conversation");

        // Renaming edits the title in place: Escape keeps the old one, Enter saves it, and the header follows.
        var opened = items.Nth(1);
        await opened.GetByTestId("rename-conversation").ClickAsync();
        var field = page.GetByTestId("rename-input");
        await Assertions.Expect(field).ToBeFocusedAsync();
        await Assertions.Expect(field).ToHaveValueAsync("apples are red");
        await field.FillAsync("not this");
        await field.PressAsync("Escape");
        await Assertions.Expect(opened.Locator(".title")).ToHaveTextAsync("apples are red");
        await Assertions.Expect(opened.GetByTestId("rename-conversation")).ToBeFocusedAsync();
        await opened.GetByTestId("rename-conversation").ClickAsync();
        await field.FillAsync("Fruit colours");
        await field.PressAsync("Enter");
        await Assertions.Expect(items.Locator(".title")).ToHaveTextAsync(["bananas are yellow", "Fruit colours"]);
        await Assertions.Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("Fruit colours");
        await Assertions.Expect(page).ToHaveTitleAsync("Fruit colours · TaskFlow");

        // The download button hands over the conversation as a Markdown file.
        var download = await page.RunAndWaitForDownloadAsync(() => opened.GetByTestId("export-conversation").ClickAsync());
        Assert.Matches(@"^taskflow-fruit-colours-\d{4}-\d{2}-\d{2}\.md$", download.SuggestedFilename);
        var markdown = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.StartsWith("# Fruit colours\n", markdown, StringComparison.Ordinal);
        Assert.Contains("\napples are red\n", markdown, StringComparison.Ordinal);

        // Deleting asks first; saying no keeps it.
        string? question = null;
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            question = dialog.Message;
            if (accept) await dialog.AcceptAsync();
            else await dialog.DismissAsync();
        };
        await items.First.HoverAsync();
        await items.First.GetByTestId("delete-conversation").ClickAsync();
        Assert.Contains("bananas are yellow", question);
        await Assertions.Expect(items).ToHaveCountAsync(2);

        // Deleting another conversation leaves the open one alone.
        accept = true;
        await items.First.HoverAsync();
        await items.First.GetByTestId("delete-conversation").ClickAsync();
        await Assertions.Expect(items).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(["apples are red"]);
        var gone = await page.EvaluateAsync<int>($"fetch('/api/conversations/{secondId}').then(r => r.status)");
        Assert.Equal(404, gone);

        // Deleting the open one starts a new chat.
        await items.First.GetByTestId("delete-conversation").ClickAsync();
        await Assertions.Expect(items).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".message")).ToHaveCountAsync(0);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(@"\?c="));
        await Assertions.Expect(page.GetByTestId("empty-state")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("model-picker")).ToBeEnabledAsync();
        await browser.ScreenshotAsync("sidebar-after-delete");
    }

    [Fact]
    public async Task A_new_chat_uses_the_picked_model_and_the_offline_model_shows_the_banner()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        var picker = page.GetByTestId("model-picker");
        await Assertions.Expect(picker).ToHaveValueAsync(Fakes.FakeModelServer.ModelName);
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToBeHiddenAsync();

        await picker.SelectOptionAsync("taskflow-offline");
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Connected");
        Assert.Contains("model=taskflow-offline", (await ChatPageDriver.SocketUrlsAsync(page)).Last(), StringComparison.Ordinal);

        await ChatPageDriver.SendAsync(page, "hello offline");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        Assert.Contains("conversation_created", await ChatPageDriver.ReceivedTypesAsync(page));
        Assert.True(await page.EvaluateAsync<bool>("window.__received.find(e => e.type === 'conversation_created').offline"));
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToBeVisibleAsync();
        await Assertions.Expect(picker).ToBeDisabledAsync();
        await browser.ScreenshotAsync("offline-model");

        // Reloaded, the conversation still shows its own model and the banner.
        await page.ReloadAsync();
        await Assertions.Expect(picker).ToHaveValueAsync("taskflow-offline");
        await Assertions.Expect(picker).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_conversation_that_does_not_exist_becomes_a_new_chat()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await page.GotoAsync(new Uri(stack.Gateway, $"/?c={Guid.NewGuid()}").ToString());

        await Assertions.Expect(page.Locator(".note")).ToContainTextAsync("does not exist");
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(@"\?c="));
        await Assertions.Expect(page.GetByTestId("model-picker")).ToBeEnabledAsync();
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Connected");
        await ChatPageDriver.SendAsync(page, "a fresh start");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task When_the_sign_in_is_gone_the_page_sends_the_person_to_sign_in_and_back()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await ChatPageDriver.SendAsync(page, "remember me");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var id = await ChatPageDriver.ConversationIdAsync(page);

        await page.Context.ClearCookiesAsync();
        await page.GetByTestId("new-chat").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/Account/Login\\?returnUrl="), new() { Timeout = 15_000 });
        var returnUrl = Uri.UnescapeDataString(Regex.Match(page.Url, "returnUrl=([^&]+)").Groups[1].Value);
        Assert.StartsWith("/", returnUrl);
        await browser.ScreenshotAsync("signed-out");
        Assert.False(string.IsNullOrEmpty(id));
    }
}
