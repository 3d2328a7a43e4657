using System.Net;

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

    /// <summary>Registers and signs in a new user through the gateway's pages.</summary>
    public static Task<TestUser> SignUpAsync(TaskFlowStack stack)
    {
        var userName = $"user-{Guid.NewGuid():N}"[..17] + "@example.test";
        // Sign-in arrives with issue 3's Identity pages; until then every visitor is the same anonymous user.
        return Task.FromResult(new TestUser(stack.Gateway, userName, new CookieContainer()));
    }

    /// <summary>Opens the chat socket as this user, e.g. <c>ConnectAsync("conversationId=…")</c>.</summary>
    public Task<ChatSocketClient> ConnectAsync(string query = "") =>
        ChatSocketClient.ConnectAsync(_gateway, query, options => options.Cookies = Cookies);

    public void Dispose() => Http.Dispose();
}
