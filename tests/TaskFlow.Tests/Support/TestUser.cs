using System.Net;
using System.Net.WebSockets;
using TaskFlow.Benchmark;

namespace TaskFlow.Tests.Support;

/// <summary>
/// One signed-in user of the running system: an HTTP client and sockets that carry the user's auth cookie
/// through the gateway. Every integration test acts as its own fresh user, so tests never see each other's data.
/// </summary>
public sealed class TestUser : IDisposable
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
        return SubmitAccountFormAsync(gateway, userName, AccountForms.Register, "registering", AccountForms.SignUp(userName, Password));
    }

    /// <summary>Signs in an existing user with the sign-in page's form, as a browser would.</summary>
    public static Task<TestUser> SignInAsync(Uri gateway, string userName) =>
        SubmitAccountFormAsync(gateway, userName, AccountForms.Login, "signing in", AccountForms.SignIn(userName, Password));

    /// <summary>Fills the form of <paramref name="page"/> (with its antiforgery token) as a new browser would.</summary>
    private static async Task<TestUser> SubmitAccountFormAsync(Uri gateway, string userName, string page, string what, Dictionary<string, string> fields)
    {
        var user = new TestUser(gateway, userName, new CookieContainer());
        using var response = await AccountForms.SubmitAsync(user.Http, page, fields, CancellationToken.None);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{what} should redirect to the chat, got {(int)response.StatusCode}");
        Assert.Contains(user.Cookies.GetCookies(gateway).Cast<Cookie>(), cookie => cookie.Name == ".TaskFlow.Auth");
        return user;
    }

    /// <summary>Signs out with the page's form, as the Sign out button does.</summary>
    public async Task SignOutAsync()
    {
        using var response = await AccountForms.SubmitAsync(Http, AccountForms.Logout, new Dictionary<string, string>(), CancellationToken.None, tokenFrom: "/");
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"signing out should redirect to the sign-in page, got {(int)response.StatusCode}");
    }

    /// <summary>Opens the chat socket as this user, e.g. <c>ConnectAsync("conversationId=…")</c>.</summary>
    public Task<ChatSocketClient> ConnectAsync(string query = "", Action<ClientWebSocketOptions>? configure = null) =>
        ChatSocketClient.ConnectAsync(_gateway, query, options =>
        {
            options.Cookies = Cookies;
            configure?.Invoke(options);
        });

    public void Dispose() => Http.Dispose();
}
