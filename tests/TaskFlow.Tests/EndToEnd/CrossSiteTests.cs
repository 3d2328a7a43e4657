using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// A page on another site cannot use the visitor's sign-in: cookie-authenticated writes and the socket's handshake are
/// accepted only from the site's own origin, scheme included; programs calling with an API key are not affected.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CrossSiteTests(TaskFlowStack stack)
{
    private const string Evil = "https://evil.example";

    private string SiteOrigin => stack.Gateway.GetLeftPart(UriPartial.Authority);

    /// <summary>The gateway's own host and port over https: the same authority, another origin.</summary>
    private string OtherScheme => $"https://{stack.Gateway.Authority}";

    [Fact]
    public async Task Cookie_authenticated_writes_from_another_origin_are_refused()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var mine = await SendAsync(user, HttpMethod.Post, "/api/chat", new { message = "from my own page" }, SiteOrigin);
        Assert.Equal(HttpStatusCode.Accepted, mine.StatusCode);
        var conversationId = (await mine.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetGuid();

        foreach (var origin in new[] { Evil, OtherScheme, "null" })
        {
            await AssertRefusedAsync(await SendAsync(user, HttpMethod.Post, "/api/keys", new { name = "stolen" }, origin));
            await AssertRefusedAsync(await SendAsync(user, HttpMethod.Post, "/api/chat", new { message = "spam", conversationId }, origin));
            await AssertRefusedAsync(await SendAsync(user, HttpMethod.Patch, $"/api/conversations/{conversationId}", new { title = "defaced" }, origin));
            await AssertRefusedAsync(await SendAsync(user, HttpMethod.Delete, $"/api/conversations/{conversationId}", null, origin));
        }

        // A browser that left Origin out still says where the request came from.
        await AssertRefusedAsync(await SendAsync(user, HttpMethod.Delete, $"/api/conversations/{conversationId}", null, origin: null,
            headers => headers.Add("Sec-Fetch-Site", "cross-site")));
        await AssertRefusedAsync(await SendAsync(user, HttpMethod.Delete, $"/api/conversations/{conversationId}", null, origin: null,
            headers => headers.Referrer = new Uri(Evil + "/page")));
        // A sandboxed frame on another site: an opaque origin, and the browser says the request is cross-site.
        await AssertRefusedAsync(await SendAsync(user, HttpMethod.Delete, $"/api/conversations/{conversationId}", null, "null",
            headers => headers.Add("Sec-Fetch-Site", "cross-site")));
        // A client cannot claim https through the gateway: it sets the forwarded scheme itself.
        await AssertRefusedAsync(await SendAsync(user, HttpMethod.Post, "/api/keys", new { name = "stolen" }, OtherScheme,
            headers => headers.Add("X-Forwarded-Proto", "https")));

        Assert.Empty((await user.Http.GetFromJsonAsync<JsonElement>("/api/keys")).EnumerateArray());
        var conversation = await user.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
        Assert.Equal("from my own page", conversation.Str("title"));

        // The site's own page, and a program without Origin (curl, a script), still write.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(user, HttpMethod.Patch, $"/api/conversations/{conversationId}", new { title = "renamed" }, SiteOrigin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(user, HttpMethod.Patch, $"/api/conversations/{conversationId}", new { title = "renamed again" }, origin: null)).StatusCode);
        // A form of the site's own page posted under a strict referrer policy: Origin is "null", Sec-Fetch-Site vouches.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(user, HttpMethod.Patch, $"/api/conversations/{conversationId}", new { title = "renamed by a form" }, "null",
            headers => headers.Add("Sec-Fetch-Site", "same-origin"))).StatusCode);
    }

    [Fact]
    public async Task Api_key_calls_carry_no_cookie_and_work_from_anywhere()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var created = await SendAsync(user, HttpMethod.Post, "/api/keys", new { name = "script" }, SiteOrigin);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).Str("key");

        using var program = new HttpClient { BaseAddress = stack.Gateway };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Origin", Evil);
        var models = await program.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    [Fact]
    public async Task The_socket_compares_the_scheme_of_origin_too()
    {
        using var user = await TestUser.SignUpAsync(stack);
        foreach (var origin in new[] { OtherScheme, Evil, "null" })
        {
            var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
                user.ConnectAsync(configure: options =>
                {
                    options.SetRequestHeader("Origin", origin);
                    // The gateway overwrites what the client says its scheme is.
                    options.SetRequestHeader("X-Forwarded-Proto", "https");
                }));
            Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        }

        await using var socket = await user.ConnectAsync(configure: options => options.SetRequestHeader("Origin", SiteOrigin));
        await socket.SendUserMessageAsync("hello from my own page");
        await socket.ReceiveUntilAsync("ai_done");
    }

    private static async Task<HttpResponseMessage> SendAsync(
        TestUser user, HttpMethod method, string path, object? body, string? origin, Action<HttpRequestHeaders>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        configure?.Invoke(request.Headers);
        var response = await user.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri} from {string.Join(",", response.RequestMessage.Headers.TryGetValues("Origin", out var o) ? o : [])}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("another site", body, StringComparison.Ordinal);
    }
}
