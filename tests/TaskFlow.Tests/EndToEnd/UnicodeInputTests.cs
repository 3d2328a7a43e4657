using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using TaskFlow.Contracts.Text;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// Any text a user can type, paste or send is stored faithfully or refused with a clear error: it never ends the
/// session, and nothing is half-stored.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class UnicodeInputTests(TaskFlowStack stack)
{
    /// <summary>C0 and C1 controls (all but NUL), DEL, characters of other planes, a private-use plane-16 code point.</summary>
    private const string Unusual = "bell\u0007 esc\u001b del\u007f nel\u0085 csi\u009b emoji😀 music𝄞 tag\U000E0041 plane16\U0010FFFD end";

    [Fact]
    public async Task NUL_is_refused_over_the_socket_the_session_goes_on_and_nothing_is_stored()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("before\0after");
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("INVALID_MESSAGE", error.Str("code"));
        Assert.Contains("NUL", error.Str("error"), StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, socket.State);

        await socket.SendUserMessageAsync("a clean message");
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", events[^1].Type());
        var conversationId = Guid.Parse(events.First(e => e.Type() == "conversation_created").Str("conversationId"));
        Assert.Equal(["a clean message", ChatAnswers.Reply("a clean message")],
            (await ChatAnswers.StoredAsync(stack, conversationId)).Select(m => m.Content));
    }

    [Fact]
    public async Task Half_a_character_is_refused_over_the_socket_with_what_is_wrong()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendRawAsync("{\"type\":\"user_message\",\"text\":\"smile \\ud83d please\"}");
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("INVALID_MESSAGE", error.Str("code"));
        Assert.Contains("\"text\" contains half of a character", error.Str("error"), StringComparison.Ordinal);

        await socket.SendRawAsync("{\"type\":\"user_message\",\"text\":\"smile \\ud83d\\ude00 please\"}");
        Assert.Equal("ai_done", (await socket.ReceiveUntilAsync("ai_done", "ai_error"))[^1].Type());
    }

    [Fact]
    public async Task Controls_and_every_plane_are_stored_and_read_back_faithfully()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync(Unusual);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", events[^1].Type());
        var conversationId = events.First(e => e.Type() == "conversation_created").Str("conversationId");

        var detail = await user.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
        var messages = detail.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(Unusual, messages[0].Str("content"));
        Assert.Equal(ChatAnswers.Reply(Unusual), messages[1].Str("content"));
    }

    [Theory]
    [InlineData(78, "😀")]
    [InlineData(0, "😀")]
    [InlineData(77, "👨‍👩‍👧")]
    public async Task A_first_message_whose_title_cut_falls_inside_a_character_gets_a_whole_title(int asciiBefore, string repeated)
    {
        var text = new string('a', asciiBefore) + string.Concat(Enumerable.Repeat(repeated, 50));
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync(text);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", events[^1].Type());
        var title = events.First(e => e.Type() == "title_updated").Str("title");
        Assert.Null(StorableText.Describe(title));
        Assert.StartsWith(title[..^1], text, StringComparison.Ordinal);

        var submitted = await user.Http.PostAsJsonAsync("/api/chat", new { message = text });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
    }

    [Fact]
    public async Task The_HTTP_API_refuses_NUL_with_what_is_wrong_and_stores_nothing()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var response = await user.Http.PostAsJsonAsync("/api/chat", new { message = "before\0after" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("NUL", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var list = await user.Http.GetFromJsonAsync<JsonElement>("/api/conversations");
        Assert.Empty(list.GetProperty("conversations").EnumerateArray());
    }

    [Theory]
    [InlineData(201)]
    [InlineData(256)]
    [InlineData(5000)]
    public async Task Any_unknown_model_however_long_is_refused_the_same_way(int length)
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync("model=" + new string('m', length));
        await socket.SendUserMessageAsync("which model?");
        var error = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("MODEL_NOT_FOUND", error.Str("code"));
        Assert.True(error.Str("error").Length < 400, "the error quotes the name shortened");
    }

    [Fact]
    public async Task A_model_that_writes_NUL_has_its_answer_stored_with_a_replacement_character()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("[[nul]] say it");
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", events[^1].Type());
        Assert.Equal("completed", events[^1].Str("status"));
        var conversationId = Guid.Parse(events.First(e => e.Type() == "conversation_created").Str("conversationId"));
        var answer = (await ChatAnswers.StoredAsync(stack, conversationId))[1].Content;
        Assert.Equal(ChatAnswers.Reply("[[nul]] say it").Replace('\0', StorableText.Replacement), answer);
        Assert.Contains(StorableText.Replacement, answer);
    }
}
