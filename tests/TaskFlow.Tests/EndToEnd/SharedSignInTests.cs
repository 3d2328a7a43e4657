using System.Net;
using System.Net.WebSockets;
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

    [Fact]
    public async Task Signing_out_ends_the_session_for_a_cookie_copied_before()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var copied = new CookieContainer();
        copied.Add(stack.Gateway, user.Cookies.GetCookies(stack.Gateway)[".TaskFlow.Auth"]!);
        using var thief = new HttpClient(new HttpClientHandler { CookieContainer = copied, AllowAutoRedirect = false }) { BaseAddress = stack.Gateway };
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/api/conversations")).StatusCode);

        await user.SignOutAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/stats/recent")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await thief.GetAsync("/")).StatusCode);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            ChatSocketClient.ConnectAsync(stack.Gateway, configure: options => options.Cookies = copied));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_lives_in_redis_as_long_as_its_cookie()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var sessions = server.Keys(pattern: "taskflow:session:*").ToList();
        Assert.NotEmpty(sessions);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(sessions[^1]);
        Assert.True(ttl is { } left && left > TimeSpan.FromDays(13) && left <= TimeSpan.FromDays(14), $"a session lives as long as its cookie: {ttl}");
    }
}
