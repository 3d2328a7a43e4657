using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

[Collection(StackCollection.Name)]
public sealed class SignInPageTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Register_sign_out_fail_once_sign_in_and_chat()
    {
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await page.GotoAsync(stack.Gateway.ToString());
        var email = await BrowserAccounts.RegisterAsync(page);

        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));

        await BrowserAccounts.SignInAsync(page, email, "not the password");
        await Assertions.Expect(page.GetByTestId("auth-errors")).ToContainTextAsync("Email or password is incorrect.");
        await browser.ScreenshotAsync("sign-in-error");

        await BrowserAccounts.SignInAsync(page, email, TestUser.Password);
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync(email);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Connected");
        await page.GetByTestId("input").FillAsync("signed in again");
        await page.GetByTestId("send").ClickAsync();
        await Assertions.Expect(page.Locator(".message.assistant .body").Last)
            .ToHaveTextAsync(string.Concat(FakeModelServer.ReplyTo("signed in again")), new() { Timeout = 30_000 });
    }
}
