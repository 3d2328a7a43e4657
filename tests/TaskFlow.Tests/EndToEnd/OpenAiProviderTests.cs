using System.Text.Json;
using Npgsql;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// A conversation on the catalog's OpenAI-compatible model: the worker's real OpenAI SDK client (through
/// Microsoft.Extensions.AI) talks the OpenAI wire protocol to the fake, which answers as api.openai.com would.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OpenAiProviderTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_turn_streams_the_models_tokens_in_order_and_stores_the_answer()
    {
        const string prompt = "hello over the OpenAI protocol";
        var expected = FakeModelServer.ReplyTo(prompt);

        var (events, conversationId) = await TurnAsync(prompt);

        Assert.False(events.First(e => e.Type() == "conversation_created").GetProperty("offline").GetBoolean());
        Assert.Equal("ai_done", events[^1].Type());
        var tokens = events.Where(e => e.Type() == "ai_token").ToList();
        // In order, the pieces are the answer. The first token goes out alone; tokens that came while the worker's
        // previous write was under way share a piece.
        Assert.Equal(string.Concat(expected), string.Concat(tokens.Select(t => t.Str("token"))));
        Assert.Equal(expected[0], tokens[0].Str("token"));
        var sequence = tokens.Select(t => t.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(sequence.Order(), sequence);
        Assert.Equal(sequence.Count, sequence.Distinct().Count());
        Assert.Equal([("user", prompt, "completed"), ("assistant", string.Concat(expected), "completed")], await MessagesAsync(conversationId));
    }

    [Fact]
    public async Task The_request_carries_the_api_key_and_the_providers_model_name_and_asks_for_usage()
    {
        const string prompt = "who am I to the provider?";
        await TurnAsync(prompt);

        var request = Assert.Single(stack.Model.Received, r => r.LastUserMessage == prompt);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {TaskFlowStack.OpenAiApiKey}", request.Authorization);
        Assert.Equal(FakeModelServer.OpenAiModelName, request.Model);
        Assert.True(request.Body["stream"]?.GetValue<bool>(), "the worker streams");
        Assert.True(request.Body["stream_options"]?["include_usage"]?.GetValue<bool>(), "the worker asks for the usage chunk");
    }

    [Fact]
    public async Task The_inference_log_has_the_provider_and_the_token_usage_the_server_reported()
    {
        const string prompt = "count my tokens, please";
        var (events, _) = await TurnAsync(prompt);
        var request = Assert.Single(stack.Model.Received, r => r.LastUserMessage == prompt);
        var reply = FakeModelServer.ReplyTo(prompt);
        var inputTokens = FakeModelServer.CountTokens(request.PromptText);
        var outputTokens = FakeModelServer.CountTokens(string.Concat(reply));
        // Otherwise a count of streamed chunks would pass for the server's usage.
        Assert.NotEqual(reply.Count, outputTokens);

        var done = events[^1];
        Assert.Equal(outputTokens, done.GetProperty("outputTokens").GetInt64());
        var log = await InferenceLogs.RowsAsync(stack, Guid.Parse(done.Str("generationId")),
            "attempt, model, provider, status, coalesce(input_tokens::text, ''), coalesce(output_tokens::text, ''), coalesce(error_code, '')");
        Assert.Equal([$"1|{TaskFlowStack.OpenAiModel}|openai|completed|{inputTokens}|{outputTokens}|"], log);
    }

    [Fact]
    public async Task Two_503s_are_retried_by_the_worker_alone_then_the_answer_arrives()
    {
        const string prompt = "openai flaky twice [[fail-times:2:503]]";
        var (events, _) = await TurnAsync(prompt);

        Assert.Equal("ai_done", events[^1].Type());
        var retries = events.Where(e => e.Type() == "job_status" && e.Str("status") == "retrying").ToList();
        Assert.Equal([1, 2], retries.Select(r => r.GetProperty("attempt").GetInt32()));
        Assert.All(retries, r => Assert.Equal("SERVICE_UNAVAILABLE", r.Str("code")));
        // Exactly three calls: the SDK's own retries are off, or each worker attempt would be several.
        Assert.Equal(3, stack.Model.AttemptsFor(prompt));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(prompt)),
            string.Concat(events.SkipWhile(e => e.Type() != "job_status").Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));
        var calls = await InferenceLogs.CallsAsync(stack, Guid.Parse(events[^1].Str("generationId")), atLeast: 3);
        Assert.Equal(["1|failed|SERVICE_UNAVAILABLE", "2|failed|SERVICE_UNAVAILABLE", "3|completed|"], calls);
    }

    [Fact]
    public async Task A_rejected_key_fails_at_once_with_permission_denied()
    {
        const string prompt = "openai with a revoked key [[fail:401]]";
        var (events, _) = await TurnAsync(prompt);

        var error = events[^1];
        Assert.Equal("ai_error", error.Type());
        Assert.Equal("PERMISSION_DENIED", error.Str("code"));
        Assert.Contains("check the key", error.Str("error"), StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.Type() == "job_status");
        Assert.Equal(1, stack.Model.AttemptsFor(prompt));
        Assert.Equal("failed|PERMISSION_DENIED", await JobOutcomeAsync(error.Str("generationId")));
    }

    [Fact]
    public async Task A_content_filter_stop_ends_the_answer_as_content_blocked()
    {
        const string prompt = "say something the filter dislikes [[content-filter]]";
        var (events, conversationId) = await TurnAsync(prompt);

        var partial = FakeModelServer.ReplyTo(prompt).Take(FakeModelServer.TokensBeforeContentFilter).ToList();
        Assert.Equal(string.Concat(partial), string.Concat(events.Where(e => e.Type() == "ai_token").Select(e => e.Str("token"))));
        var error = events[^1];
        Assert.Equal("ai_error", error.Type());
        Assert.Equal("CONTENT_BLOCKED", error.Str("code"));
        Assert.Contains("Rephrase", error.Str("error"), StringComparison.Ordinal);
        // Trying again would only be filtered again.
        Assert.DoesNotContain(events, e => e.Type() == "job_status");
        Assert.Equal(1, stack.Model.AttemptsFor(prompt));

        var generationId = error.Str("generationId");
        Assert.Equal("failed|CONTENT_BLOCKED", await JobOutcomeAsync(generationId));
        Assert.Equal(("assistant", string.Concat(partial), "failed"), (await Eventually.GetAsync(async () =>
            (await MessagesAsync(conversationId)) is { Count: 2 } rows ? rows : null, what: "the cut-off answer"))[1]);
        Assert.Equal(["1|failed|CONTENT_BLOCKED"], await InferenceLogs.CallsAsync(stack, Guid.Parse(generationId)));
    }

    [Theory]
    [InlineData("rate_limited", "RATE_LIMITED")]
    [InlineData("quota", "QUOTA_EXCEEDED")]
    [InlineData("model_not_found", "MODEL_NOT_FOUND")]
    [InlineData("permission", "PERMISSION_DENIED")]
    [InlineData("unavailable", "SERVICE_UNAVAILABLE")]
    [InlineData("timeout", "TIMEOUT")]
    [InlineData("content_blocked", "CONTENT_BLOCKED")]
    [InlineData("unknown", "UNKNOWN")]
    public async Task Each_kind_of_openai_error_reaches_the_user_classified(string failure, string code)
    {
        var (events, _) = await TurnAsync($"openai fails [[error:{failure}]]");

        Assert.Equal("ai_error", events[^1].Type());
        Assert.Equal(code, events[^1].Str("code"));
        Assert.Equal($"failed|{code}", await JobOutcomeAsync(events[^1].Str("generationId")));
    }

    /// <summary>
    /// Sends one message in a new conversation on the OpenAI model and reads until the answer ends. The events keep the
    /// queue's reports, because the retries' <c>job_status</c> is among them.
    /// </summary>
    private async Task<(List<JsonElement> Events, Guid ConversationId)> TurnAsync(string prompt)
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync($"model={TaskFlowStack.OpenAiModel}");
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        var conversation = events.WithoutQueueEvents();
        Assert.Equal(["conversation_created", "title_updated", "message_accepted", "ai_start"], conversation.Select(e => e.Type()).Take(4));
        Assert.Equal(TaskFlowStack.OpenAiModel, conversation[0].Str("model"));
        return (events, Guid.Parse(conversation[0].Str("conversationId")));
    }

    private async Task<List<(string Role, string Content, string Status)>> MessagesAsync(Guid conversationId)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand("SELECT role, content, status FROM chat.messages WHERE conversation_id = @id ORDER BY created_at", db);
        query.Parameters.AddWithValue("id", conversationId);
        var rows = new List<(string, string, string)>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    /// <summary>"status|error code" of the finished job, as the job history shows it.</summary>
    private async Task<string> JobOutcomeAsync(string generationId)
    {
        await using var db = await stack.OpenDatabaseAsync();
        return await Eventually.GetAsync(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT status || '|' || coalesce(error_code, '') FROM chat.generations WHERE id = @id AND finished_at IS NOT NULL", db);
            command.Parameters.AddWithValue("id", Guid.Parse(generationId));
            return await command.ExecuteScalarAsync() as string;
        }, what: "the finished job");
    }
}
