using Microsoft.Playwright;

namespace TaskFlow.Tests.Support;

/// <summary>Signing up and in through the real pages, as a person would.</summary>
public static class BrowserAccounts
{
    /// <summary>From the login page the chat redirects to: create an account and land on the chat. Returns the email.</summary>
    public static async Task<string> RegisterAsync(IPage page)
    {
        var email = $"browser-{Guid.NewGuid():N}"[..20] + "@example.test";
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));
        await page.GetByTestId("register-link").ClickAsync();
        await page.GetByTestId("email").FillAsync(email);
        await page.GetByTestId("password").FillAsync(TestUser.Password);
        await page.GetByTestId("confirm-password").FillAsync(TestUser.Password);
        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync(email);
        return email;
    }

    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GetByTestId("email").FillAsync(email);
        await page.GetByTestId("password").FillAsync(password);
        await page.GetByTestId("submit").ClickAsync();
    }
}
