using Microsoft.Playwright;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

[Collection(SecondBrowserCollection.Name)]
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

    [Fact]
    public async Task Registering_explains_what_is_wrong()
    {
        using var existing = await TestUser.SignUpAsync(stack);
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await page.GotoAsync(new Uri(stack.Gateway, "/Account/Register").ToString());

        await page.GetByTestId("email").FillAsync("someone@example.test");
        await page.GetByTestId("password").FillAsync("short");
        await page.GetByTestId("confirm-password").FillAsync("shorter");
        await page.GetByTestId("submit").ClickAsync();
        var errors = page.GetByTestId("auth-errors");
        await Assertions.Expect(errors).ToContainTextAsync("Use at least 8 characters.");
        await Assertions.Expect(errors).ToContainTextAsync("The two passwords differ.");

        await page.GetByTestId("email").FillAsync(existing.UserName);
        await page.GetByTestId("password").FillAsync(TestUser.Password);
        await page.GetByTestId("confirm-password").FillAsync(TestUser.Password);
        await page.GetByTestId("submit").ClickAsync();
        // Said once, although Identity reports the address as both a taken user name and a taken email.
        await Assertions.Expect(errors.Locator("li")).ToHaveTextAsync(["An account with this email already exists: sign in instead."]);
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveCountAsync(0);
    }
}
