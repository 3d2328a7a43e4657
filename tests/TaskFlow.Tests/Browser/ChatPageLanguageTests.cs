using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>
/// English or Simplified Chinese: the toggle writes ASP.NET Core's culture cookie, a browser asking for Chinese gets it
/// until then. The pages' texts and the scripts' (status line, errors) follow; the model's own words do not.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class ChatPageLanguageTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Switching_to_Chinese_translates_the_chat_survives_a_reload_and_reaches_the_sign_in_page()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(page.GetByTestId("send")).ToHaveTextAsync("Send");
        await Assertions.Expect(page.GetByTestId("language-toggle")).ToHaveTextAsync("中文");

        await page.GetByTestId("language-toggle").ClickAsync();
        await ExpectChineseChatAsync(page);
        await browser.ScreenshotAsync("language-chinese-chat");

        await page.ReloadAsync();
        await ExpectChineseChatAsync(page);

        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hans");
        await Assertions.Expect(page).ToHaveTitleAsync("登录 · TaskFlow");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("登录");
        await Assertions.Expect(page.GetByTestId("submit")).ToHaveTextAsync("登录");
        await Assertions.Expect(page.GetByTestId("register-link")).ToHaveTextAsync("创建账号");
        await browser.ScreenshotAsync("language-chinese-sign-in");

        // Back to English from the sign-in page, which stays the page the person is on.
        await page.GetByTestId("language-toggle").ClickAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
    }

    [Fact]
    public async Task A_chat_turn_works_in_Chinese_and_a_model_error_is_explained_in_Chinese()
    {
        await using var browser = await ChatPageDriver.SignedInAsync(stack);
        var page = browser.Page;
        await page.GetByTestId("language-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("已连接");

        const string prompt = "你好，用一句话介绍一下你自己";
        await ChatPageDriver.SendAsync(page, prompt);
        // The answer is the model's, word for word: only the page around it is translated.
        await Assertions.Expect(ChatPageDriver.FinishedAnswers(page).Last.Locator(".body")).ToHaveTextAsync(ChatPageDriver.Expected(prompt), ChatPageDriver.Streaming);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync(new Regex("^已完成 · \\d+ 个 token$"));
        await Assertions.Expect(page.GetByTestId("conversations").Locator(".meta").First).ToHaveTextAsync("2 条消息 · 刚刚", new() { Timeout = 15_000 });
        // The server's own words follow the page's language too: the idle check-in is written in Chinese.
        await Assertions.Expect(page.Locator(".message.assistant[data-kind=nudge] .body")).ToHaveTextAsync(
            "还在吗？不着急，想继续的时候我随时都在。", new() { Timeout = 15_000 });

        // The fake model answers 401, which the worker classifies as PERMISSION_DENIED; the server explains it in English.
        await ChatPageDriver.SendAsync(page, "这次会失败 [[fail:401]]");
        var error = page.Locator(".message.error[data-code=PERMISSION_DENIED]");
        await Assertions.Expect(error.Locator("p")).ToHaveTextAsync(
            "模型服务器拒绝了 TaskFlow 的 API 密钥（密钥无效，或无权使用该模型）。请联系管理员检查密钥，或换一个模型。", new() { Timeout = 30_000 });
        await Assertions.Expect(error.Locator("strong")).ToHaveTextAsync("出错了");
        await Assertions.Expect(error.Locator("p")).ToHaveAttributeAsync("title", new Regex("refused TaskFlow's API key"));
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("出错：PERMISSION_DENIED");
        await browser.ScreenshotAsync("language-chinese-error");
    }

    [Fact]
    public async Task A_browser_asking_for_Chinese_gets_it_until_the_person_picks_English()
    {
        await using var browser = await BrowserSession.StartAsync(options => options.Locale = "zh-CN");
        var page = browser.Page;
        await page.GotoAsync(new Uri(stack.Gateway, "/Account/Register").ToString());
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hans");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("创建账号");

        // The forms' validation messages are translated too.
        await page.GetByTestId("email").FillAsync("someone@example.test");
        await page.GetByTestId("password").FillAsync("short");
        await page.GetByTestId("confirm-password").FillAsync("shorter");
        await page.GetByTestId("submit").ClickAsync();
        var errors = page.GetByTestId("auth-errors");
        await Assertions.Expect(errors).ToContainTextAsync("密码至少需要 8 个字符。");
        await Assertions.Expect(errors).ToContainTextAsync("两次输入的密码不一致。");

        // By keyboard: the toggle comes just before the theme picker, both before the form.
        await page.GetByTestId("email").FocusAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Assertions.Expect(page.GetByTestId("theme-picker")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Assertions.Expect(page.GetByTestId("language-toggle")).ToBeFocusedAsync();
        await browser.ScreenshotAsync("language-toggle-focused");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Create an account");
        // The cookie outranks the browser's Accept-Language from now on.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Create an account");
    }

    private static async Task ExpectChineseChatAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hans");
        await Assertions.Expect(page).ToHaveTitleAsync("新对话 · TaskFlow");
        await Assertions.Expect(page.GetByTestId("chat-title")).ToHaveTextAsync("新对话");
        await Assertions.Expect(page.GetByTestId("input")).ToHaveAttributeAsync("placeholder", "给 TaskFlow 发消息…");
        await Assertions.Expect(page.GetByTestId("send")).ToHaveTextAsync("发送");
        await Assertions.Expect(page.GetByTestId("new-chat")).ToHaveTextAsync("新建对话");
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("已连接");
        await Assertions.Expect(page.GetByTestId("sign-out")).ToHaveTextAsync("退出登录");
        await Assertions.Expect(page.GetByTestId("language-toggle")).ToHaveTextAsync("English");
    }
}
