using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Browser;

/// <summary>The settings page's script (an ES module on the pages' shared REST helper) in a real browser.</summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class SettingsPageTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Keys_are_created_and_revoked_and_an_expired_sign_in_leads_to_the_sign_in_page()
    {
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // "Revoke this key?"
        await page.GotoAsync(stack.Gateway.ToString());
        await BrowserAccounts.RegisterAsync(page);
        await page.GotoAsync(new Uri(stack.Gateway, "/Settings").ToString());
        await Assertions.Expect(page.GetByTestId("base-url")).ToHaveTextAsync($"{stack.Gateway.GetLeftPart(UriPartial.Authority)}/v1");

        await page.GetByTestId("key-name").FillAsync("build server");
        await page.GetByTestId("create-key").ClickAsync();
        await Assertions.Expect(page.GetByTestId("new-key-secret")).ToBeVisibleAsync();
        var rows = page.GetByTestId("keys").Locator("tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.Locator("td").First).ToHaveTextAsync("build server");

        await page.GetByTestId("revoke-key").ClickAsync();
        await Assertions.Expect(page.GetByTestId("keys").Locator("tr.revoked")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("revoke-key")).ToHaveCountAsync(0);

        // The sign-in is gone: the next call answers 401, and the page sends the person to sign in and back here
        // (a signed-out "Create key" used to do nothing at all).
        await page.Context.ClearCookiesAsync();
        await page.GetByTestId("key-name").FillAsync("too late");
        await page.GetByTestId("create-key").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/Account/Login\?returnUrl=%2FSettings$"));
    }
}
