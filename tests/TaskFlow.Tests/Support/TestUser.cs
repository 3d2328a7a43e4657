using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace TaskFlow.Tests.Support;

/// <summary>
/// One signed-in user of the running system: an HTTP client and sockets that carry the user's auth cookie
/// through the gateway. Every integration test acts as its own fresh user, so tests never see each other's data.
/// </summary>
public sealed partial class TestUser : IDisposable
{
    private readonly Uri _gateway;

    private TestUser(Uri gateway, string userName, CookieContainer cookies)
    {
        _gateway = gateway;
        UserName = userName;
        Cookies = cookies;
        Http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = gateway };
    }

    public string UserName { get; }

    public CookieContainer Cookies { get; }

    /// <summary>Talks to the gateway as this user.</summary>
    public HttpClient Http { get; }

    public const string Password = "correct horse battery";

    /// <summary>Registers and signs in a new user through the gateway's pages, as a browser would.</summary>
    public static Task<TestUser> SignUpAsync(TaskFlowStack stack) => SignUpAsync(stack.Gateway);

    /// <summary>Registers and signs in a new user through the gateway at <paramref name="gateway"/>.</summary>
    public static Task<TestUser> SignUpAsync(Uri gateway)
    {
        var userName = $"user-{Guid.NewGuid():N}"[..17] + "@example.test";
        return SubmitAccountFormAsync(gateway, userName, "/Account/Register", "registering", new() { ["Input.ConfirmPassword"] = Password });
    }

    /// <summary>Signs in an existing user with the sign-in page's form, as a browser would.</summary>
    public static Task<TestUser> SignInAsync(Uri gateway, string userName) =>
        SubmitAccountFormAsync(gateway, userName, "/Account/Login", "signing in", []);

    /// <summary>Fills the form of <paramref name="page"/> (name, password, its antiforgery token) as a new browser would.</summary>
    private static async Task<TestUser> SubmitAccountFormAsync(Uri gateway, string userName, string page, string what, Dictionary<string, string> extra)
    {
        var user = new TestUser(gateway, userName, new CookieContainer());
        var token = AntiforgeryToken().Match(await user.Http.GetStringAsync(page));
        Assert.True(token.Success, $"{page} should carry an antiforgery token");
        var fields = new Dictionary<string, string>(extra)
        {
            ["Input.Email"] = userName,
            ["Input.Password"] = Password,
            ["__RequestVerificationToken"] = token.Groups[1].Value,
        };
        using var response = await user.Http.PostAsync(page, new FormUrlEncodedContent(fields));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{what} should redirect to the chat, got {(int)response.StatusCode}");
        Assert.Contains(user.Cookies.GetCookies(gateway).Cast<Cookie>(), cookie => cookie.Name == ".TaskFlow.Auth");
        return user;
    }

    /// <summary>Signs out with the page's form, as the Sign out button does.</summary>
    public async Task SignOutAsync()
    {
        var page = await Http.GetStringAsync("/");
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, "the chat page should carry the sign-out form's antiforgery token");
        using var response = await Http.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token.Groups[1].Value,
        }));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"signing out should redirect to the sign-in page, got {(int)response.StatusCode}");
    }

    /// <summary>Opens the chat socket as this user, e.g. <c>ConnectAsync("conversationId=…")</c>.</summary>
    public Task<ChatSocketClient> ConnectAsync(string query = "", Action<ClientWebSocketOptions>? configure = null) =>
        ChatSocketClient.ConnectAsync(_gateway, query, options =>
        {
            options.Cookies = Cookies;
            configure?.Invoke(options);
        });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    public void Dispose() => Http.Dispose();
}
