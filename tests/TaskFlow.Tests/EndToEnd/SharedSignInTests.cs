using System.Net;
using StackExchange.Redis;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>One cookie, issued by Web, honoured by every service behind the gateway.</summary>
[Collection(StackCollection.Name)]
public sealed class SharedSignInTests(TaskFlowStack stack)
{
    private const string KeyRingKey = "taskflow:dataprotection-keys";

    [Fact]
    public async Task Web_alone_writes_the_shared_key_ring_that_chatsocket_and_telemetry_read()
    {
        using var user = await TestUser.SignUpAsync(stack);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/stats/recent")).StatusCode);

        // All services started together on an empty ring: had each created its own key, the readers could have cached
        // a ring without Web's and refused the cookie once Data Protection's two-minute refresh window was over.
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        Assert.Equal(1, await redis.GetDatabase().ListLengthAsync(KeyRingKey));
    }

    [Fact]
    public async Task A_forged_or_foreign_cookie_is_not_a_sign_in()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var cookie = user.Cookies.GetCookies(stack.Gateway)[".TaskFlow.Auth"]!;
        var tampered = new CookieContainer();
        tampered.Add(stack.Gateway, new Cookie(cookie.Name, cookie.Value[..^4] + "AAAA"));
        using var forger = new HttpClient(new HttpClientHandler { CookieContainer = tampered, AllowAutoRedirect = false }) { BaseAddress = stack.Gateway };

        Assert.Equal(HttpStatusCode.Unauthorized, (await forger.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forger.GetAsync("/api/stats/recent")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await forger.GetAsync("/")).StatusCode);
    }
}
