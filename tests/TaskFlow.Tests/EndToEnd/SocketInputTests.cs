using System.Net;
using System.Net.WebSockets;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>Bad input over the socket gets a clear error, keeps the connection, and loses nothing.</summary>
[Collection(StackCollection.Name)]
public sealed class SocketInputTests(TaskFlowStack stack)
{
    [Theory]
    [InlineData("not json at all", "INVALID_MESSAGE")]
    [InlineData("[1,2,3]", "INVALID_MESSAGE")]
    [InlineData("{\"text\":\"no type\"}", "INVALID_MESSAGE")]
    [InlineData("{\"type\":\"user_message\",\"text\":\"   \"}", "INVALID_MESSAGE")]
    [InlineData("{\"type\":\"user_message\",\"text\":\"hi\",\"priority\":\"urgent\"}", "INVALID_MESSAGE")]
    [InlineData("{\"type\":\"launch_rockets\"}", "UNKNOWN_EVENT")]
    public async Task Malformed_events_get_a_clear_error_and_the_socket_stays_usable(string raw, string code)
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendRawAsync(raw);
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("ai_error", error.Type());
        Assert.Equal(code, error.Str("code"));
        Assert.False(string.IsNullOrWhiteSpace(error.Str("error")));

        await socket.SendUserMessageAsync("still works?");
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", events[^1].Type());
    }

    [Fact]
    public async Task An_oversized_frame_is_refused_without_closing_the_socket()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendRawAsync("{\"type\":\"user_message\",\"text\":\"" + new string('x', 400_000) + "\"}");
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("MESSAGE_TOO_LARGE", error.Str("code"));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task A_flood_is_throttled_with_a_clear_error()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        for (var i = 0; i < 40; i++)
        {
            await socket.SendAsync(new { type = "user_typing" });
        }
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("TOO_MANY_MESSAGES", error.Str("code"));
    }

    [Fact]
    public async Task An_unknown_conversation_id_is_refused_and_closed()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync($"conversationId={Guid.NewGuid()}");
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("CONVERSATION_NOT_FOUND", error.Str("code"));
        Assert.Null(await socket.ReceiveAsync());
        Assert.Equal(4404, (int)socket.CloseStatus!.Value);
    }

    [Fact]
    public async Task A_foreign_origin_cannot_open_the_socket_even_with_a_valid_cookie()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            user.ConnectAsync(configure: options => options.SetRequestHeader("Origin", "https://evil.example")));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumed_conversation_is_announced_and_its_rest_view_has_the_turn()
    {
        using var user = await TestUser.SignUpAsync(stack);
        Guid conversationId;
        await using (var first = await user.ConnectAsync())
        {
            await first.SendUserMessageAsync("remember this turn");
            var events = await first.ReceiveUntilAsync("ai_done");
            conversationId = Guid.Parse(events[0].Str("conversationId"));
        }

        await using var again = await user.ConnectAsync($"conversationId={conversationId}");
        var resumed = (await again.ReceiveAsync())!.Value;
        Assert.Equal("conversation_resumed", resumed.Type());
        Assert.Equal("remember this turn", resumed.Str("title"));

        var http = user.Http;
        var detail = await http.GetStringAsync($"/api/conversations/{conversationId}");
        Assert.Contains("remember this turn", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/conversations/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync($"/api/conversations/{conversationId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/conversations/{conversationId}")).StatusCode);
    }
}
