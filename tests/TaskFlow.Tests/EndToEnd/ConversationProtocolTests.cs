using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>The seed's protocol beyond one turn: interruption, cancel, typing, idle phases, resume.</summary>
[Collection(StackCollection.Name)]
public sealed class ConversationProtocolTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_new_message_during_an_answer_interrupts_it_and_no_old_token_follows()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string first = "tell me a long story [[delay:150]]";
        await socket.SendUserMessageAsync(first);
        var before = await socket.ReceiveUntilAsync("ai_token");
        before.AddRange(await socket.ReceiveUntilAsync("ai_token"));
        var oldGeneration = before.First(e => e.Type() == "ai_start").Str("generationId");

        await socket.SendUserMessageAsync("actually, stop");
        var after = await socket.ReceiveUntilAsync("ai_done");

        var interrupted = after.Single(e => e.Type() == "ai_interrupted");
        Assert.Equal(oldGeneration, interrupted.Str("generationId"));
        Assert.Equal("interrupted", interrupted.Str("reason"));
        var shownOld = string.Concat(before.Concat(after.TakeWhile(e => e.Type() != "ai_interrupted"))
            .Where(e => e.Type() == "ai_token" && e.Str("generationId") == oldGeneration).Select(e => e.Str("token")));
        Assert.Equal(shownOld, interrupted.Str("partialContent"));
        Assert.StartsWith(shownOld, string.Concat(FakeModelServer.ReplyTo(first)), StringComparison.Ordinal);
        Assert.True(shownOld.Length < string.Concat(FakeModelServer.ReplyTo(first)).Length, "the first answer must have been cut short");

        // The generation guard: nothing of the old answer after the interruption, and the new answer is complete.
        var afterInterruption = after.SkipWhile(e => e.Type() != "ai_interrupted").Skip(1).WithoutQueueEvents();
        Assert.DoesNotContain(afterInterruption, e => e.TryGetProperty("generationId", out var id) && id.GetString() == oldGeneration);
        Assert.Equal(["message_accepted", "ai_start"], afterInterruption.Select(e => e.Type()).Take(2));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo("actually, stop")),
            string.Concat(afterInterruption.Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));

        // The next prompt carried the interruption context: what was fully said, the cut-off sentence, the new message.
        var secondPrompt = stack.Model.Requests.Last(r => r.ToJsonString().Contains("actually, stop", StringComparison.Ordinal));
        var context = secondPrompt["messages"]!.AsArray().Select(m => m!["content"]!.GetValue<string>())
            .Single(c => c.StartsWith("[INTERRUPTION CONTEXT]", StringComparison.Ordinal));
        Assert.Contains("The user interrupted with: \"actually, stop\"", context, StringComparison.Ordinal);
        Assert.Contains($"You were in the middle of saying: \"{shownOld.Trim()}\"", context, StringComparison.Ordinal);

        await using var db = await stack.OpenDatabaseAsync();
        var stored = await Eventually.GetAsync(() => ScalarAsync<string>(db,
            "SELECT status || '|' || content FROM chat.messages WHERE id = @id", Guid.Parse(oldGeneration)), what: "the interrupted message");
        Assert.Equal("interrupted|" + shownOld, stored);
        // The worker really stopped: its own record of the call is an interruption, with fewer tokens than the full answer.
        var logged = await Eventually.GetAsync(() => ScalarAsync<string>(db,
            "SELECT status || '|' || output_tokens FROM telemetry.inference_logs WHERE generation_id = @id", Guid.Parse(oldGeneration)), what: "the inference log");
        var parts = logged.Split('|');
        Assert.Equal("interrupted", parts[0]);
        Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) < FakeModelServer.ReplyTo(first).Count);
    }

    [Fact]
    public async Task Cancel_mid_stream_ends_with_interrupted_then_done_cancelled()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("write slowly [[delay:150]]");
        var before = await socket.ReceiveUntilAsync("ai_token");
        var generationId = before.First(e => e.Type() == "ai_start").Str("generationId");

        await socket.SendAsync(new { type = "cancel" });
        var after = await socket.ReceiveUntilAsync("ai_done");

        var tail = after.SkipWhile(e => e.Type() != "ai_interrupted").WithoutQueueEvents().Select(e => e.Type()).ToList();
        Assert.Equal(["ai_interrupted", "ai_done"], tail);
        Assert.Equal("cancelled", after[^2].Str("reason"));
        Assert.Equal("cancelled", after[^1].Str("status"));
        Assert.Equal(generationId, after[^1].Str("generationId"));

        await using var db = await stack.OpenDatabaseAsync();
        Assert.Equal("cancelled", await Eventually.GetAsync(() => ScalarAsync<string>(db,
            "SELECT status FROM chat.generations WHERE id = @id", Guid.Parse(generationId)), what: "the job status"));
    }

    [Fact]
    public async Task An_answer_with_no_text_leaves_the_question_as_the_sidebar_preview()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        const string prompt = "say nothing at all [[empty]]";
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done");
        Assert.Equal("completed", events[^1].Str("status"));
        Assert.DoesNotContain(events, e => e.Type() == "ai_token");
        var conversationId = events.First(e => e.Type() == "message_accepted").Str("conversationId");

        var listed = await Eventually.GetAsync(async () =>
        {
            var body = await user.Http.GetFromJsonAsync<JsonElement>("/api/conversations");
            var mine = body.GetProperty("conversations").EnumerateArray().Single(c => c.Str("id") == conversationId);
            return mine.GetProperty("messageCount").GetInt32() == 2 ? (JsonElement?)mine : null;
        }, what: "the empty answer stored");
        Assert.Equal(prompt, listed!.Value.Str("lastMessagePreview"));
    }

    [Fact]
    public async Task Regenerate_answers_the_last_message_again_in_place_of_its_answer()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var prompt = $"tell me about owls {Guid.NewGuid():N}";
        await socket.SendUserMessageAsync(prompt);
        var first = await socket.ReceiveUntilAsync("ai_done");
        var firstAccepted = first.First(e => e.Type() == "message_accepted");
        var conversationId = Guid.Parse(firstAccepted.Str("conversationId"));

        await socket.SendAsync(new { type = "regenerate", priority = "high" });
        var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
        var generationId = Guid.Parse(accepted.Str("generationId"));
        Assert.NotEqual(firstAccepted.Str("generationId"), generationId.ToString());
        Assert.Equal(firstAccepted.Str("messageId"), accepted.Str("messageId"));
        Assert.Equal("high", accepted.Str("priority"));
        var answer = await ChatAnswers.ReceiveAsync(socket, generationId);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);

        // One answer stored, the new one; the model was asked the question alone, without the answer it replaces.
        Assert.Equal([("user", prompt), ("assistant", ChatAnswers.Reply(prompt))], await ChatAnswers.StoredAsync(stack, conversationId));
        var asked = stack.Model.Requests.Where(r => r.ToJsonString().Contains(prompt, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, asked.Count);
        Assert.DoesNotContain(asked[^1]["messages"]!.AsArray(), m => m!["role"]!.GetValue<string>() == "assistant");
        Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
    }

    [Fact]
    public async Task Regenerate_during_an_answer_stops_it_and_needs_a_message_to_answer()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendAsync(new { type = "regenerate" });
        var refused = (await socket.ReceiveUntilAsync("ai_error"))[^1];
        Assert.Equal("INVALID_MESSAGE", refused.Str("code"));
        Assert.Contains("send a message first", refused.Str("error"), StringComparison.Ordinal);

        var prompt = $"write slowly about rivers {Guid.NewGuid():N} [[delay:150]]";
        await socket.SendUserMessageAsync(prompt);
        var before = await socket.ReceiveUntilAsync("ai_token");
        var oldGeneration = Guid.Parse(before.First(e => e.Type() == "message_accepted").Str("generationId"));
        var conversationId = Guid.Parse(before.First(e => e.Type() == "message_accepted").Str("conversationId"));

        await socket.SendAsync(new { type = "regenerate" });
        var stopped = await socket.ReceiveUntilAsync("message_accepted");
        Assert.Equal("cancelled", stopped.Single(e => e.Type() == "ai_interrupted").Str("reason"));
        var generationId = Guid.Parse(stopped[^1].Str("generationId"));
        var answer = await ChatAnswers.ReceiveAsync(socket, generationId);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);

        // The stopped answer is gone for good: the worker's own late report of it does not bring it back.
        Assert.Equal(["1|cancelled|"], await InferenceLogs.CallsAsync(stack, oldGeneration));
        await using var db = await stack.OpenDatabaseAsync();
        Assert.Equal("cancelled", await Eventually.GetAsync(() => ScalarAsync<string>(db,
            "SELECT status FROM chat.generations WHERE id = @id AND finished_at IS NOT NULL", oldGeneration), what: "the stopped job closed"));
        Assert.Equal([("user", prompt), ("assistant", ChatAnswers.Reply(prompt))], await ChatAnswers.StoredAsync(stack, conversationId));
    }

    [Fact]
    public async Task Typing_indicators_lead_to_a_typing_nudge_after_a_long_spell()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        var clock = Stopwatch.StartNew();
        await socket.SendAsync(new { type = "user_typing" });
        var nudge = (await socket.ReceiveUntilAsync("typing_nudge"))[^1];
        Assert.Equal(Nudges("en").TypingNudge, nudge.Str("message"));
        Assert.True(clock.Elapsed >= TaskFlowStack.TypingNudgeAfter - TimeSpan.FromMilliseconds(100));
        await socket.SendAsync(new { type = "user_stopped_typing" });
    }

    [Fact]
    public async Task Silence_after_an_answer_brings_a_nudge_then_ends_the_conversation()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("hello there");
        var turn = await socket.ReceiveUntilAsync("ai_done");
        var conversationId = Guid.Parse(turn[0].Str("conversationId"));

        var nudge = await socket.ReceiveUntilAsync("ai_done");
        Assert.Equal("nudge", nudge.Single(e => e.Type() == "ai_start").Str("kind"));
        Assert.Equal(Nudges("en").IdleNudge, string.Concat(nudge.Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));

        var ended = (await socket.ReceiveUntilAsync("conversation_ended"))[^1];
        Assert.Equal("idle_timeout", ended.Str("reason"));
        await using var db = await stack.OpenDatabaseAsync();
        Assert.Equal("completed", await ScalarAsync<string>(db, "SELECT status FROM chat.conversations WHERE id = @id", conversationId));
        // The canned nudge is not part of the conversation.
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM chat.messages WHERE conversation_id = @id", conversationId));

        // A new message reopens it.
        await socket.SendUserMessageAsync("back again");
        await socket.ReceiveUntilAsync("ai_done");
        Assert.Equal("active", await ScalarAsync<string>(db, "SELECT status FROM chat.conversations WHERE id = @id", conversationId));
    }

    [Fact]
    public async Task Nudges_speak_the_language_the_client_asked_for()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var chinese = Nudges("zh-Hans");
        await using (var socket = await user.ConnectAsync("lang=zh-Hans"))
        {
            await socket.SendAsync(new { type = "user_typing" });
            Assert.Equal(chinese.TypingNudge, (await socket.ReceiveUntilAsync("typing_nudge"))[^1].Str("message"));
        }

        // A client that names no language gets the one its Accept-Language prefers; zh-CN reads simplified Chinese.
        await using var byHeader = await user.ConnectAsync(configure: options => options.SetRequestHeader("Accept-Language", "fr;q=0.5, zh-CN"));
        await byHeader.SendUserMessageAsync("你好");
        await byHeader.ReceiveUntilAsync("ai_done");
        var tokens = (await byHeader.ReceiveUntilAsync("ai_done")).Where(e => e.Type() == "ai_token").Select(e => e.Str("token")).ToList();
        Assert.Equal(chinese.IdleNudge, string.Concat(tokens));
        // Streamed a character at a time, as a model streams Chinese, not as one block.
        Assert.True(tokens.Count >= chinese.IdleNudge.Length / 2, $"{tokens.Count} pieces");
    }

    [Fact]
    public async Task A_malformed_language_tag_is_refused_before_the_socket_opens()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var refused = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(
            () => user.ConnectAsync("lang=" + Uri.EscapeDataString("en\"><script>")));
        Assert.Contains("400", refused.Message, StringComparison.Ordinal);
    }

    private static TaskFlow.ChatSocket.Sockets.NudgeTexts Nudges(string language) => new TaskFlow.ChatSocket.Sockets.EngagementOptions().TextsFor(language);

    [Fact]
    public async Task A_client_that_reconnects_mid_stream_gets_the_rest_without_loss_or_duplication()
    {
        using var user = await TestUser.SignUpAsync(stack);
        const string prompt = "stream this slowly so I can drop [[delay:120]]";
        var expected = string.Concat(FakeModelServer.ReplyTo(prompt));
        Guid conversationId;
        var seen = new List<JsonElement>();
        await using (var first = await user.ConnectAsync())
        {
            await first.SendUserMessageAsync(prompt);
            var events = await first.ReceiveUntilAsync("ai_token");
            events.AddRange(await first.ReceiveUntilAsync("ai_token"));
            events.AddRange(await first.ReceiveUntilAsync("ai_token"));
            conversationId = Guid.Parse(events[0].Str("conversationId"));
            seen.AddRange(events.Where(e => e.Type() == "ai_token"));
        }
        var lastSeq = seen[^1].GetProperty("seq").GetInt64();

        await using var again = await user.ConnectAsync($"conversationId={conversationId}&lastSeq={lastSeq}");
        var rest = await again.ReceiveUntilAsync("ai_done");
        Assert.Equal("conversation_resumed", rest[0].Type());
        var replayed = rest.Where(e => e.Type() == "ai_token").ToList();
        Assert.All(replayed, token => Assert.True(token.GetProperty("seq").GetInt64() > lastSeq));
        Assert.Equal(expected, string.Concat(seen.Concat(replayed).Select(e => e.Str("token"))));
        Assert.Equal("completed", rest[^1].Str("status"));
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection db, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("id", id);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }
}
