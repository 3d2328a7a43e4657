using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Queue;

/// <summary><c>/v1/chat/completions</c> driven by the real OpenAI .NET client through Microsoft.Extensions.AI.</summary>
[Collection(StackCollection.Name)]
public sealed class OpenAiCompatibleApiTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_real_openai_client_gets_completions_streaming_and_not()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var key = await CreateKeyAsync(user);
        using var client = ClientFor(key);

        const string question = "what is a priority queue?";
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, question)]);
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(question)), response.Text);
        Assert.Equal(FakeModelServer.ReplyTo(question).Count, response.Usage?.OutputTokenCount);

        var updates = new List<ChatResponseUpdate>();
        // Paced, as a model writes: tokens that come faster than the stream's writes go out together.
        await foreach (var update in client.GetStreamingResponseAsync("and streaming? [[delay:15]]"))
        {
            updates.Add(update);
        }
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo("and streaming? [[delay:15]]")), string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count(u => u.Text.Length > 0) > 3, "tokens should arrive as separate chunks");
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Stop);

        var jobs = (await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal(2, jobs.Count(j => j.GetProperty("kind").GetString() == "completion" && j.GetProperty("status").GetString() == "completed"));
        // The system prompt the client sent reached the model unchanged.
        Assert.Contains(stack.Model.Requests, r => r.ToJsonString().Contains("Be brief.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_streamed_completion_retried_after_tokens_went_out_reaches_the_client_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(await CreateKeyAsync(user));
        // The model server cuts the first attempt off after two tokens; the worker retries from the start.
        const string question = "stream through a crash [[cut-times:1:2]]";
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(question))
        {
            updates.Add(update);
        }

        Assert.Equal(2, stack.Model.AttemptsFor(question));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(question)), string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Stop);
    }

    [Fact]
    public async Task A_streamed_completion_whose_retry_answers_differently_ends_in_an_error_and_keeps_what_was_sent()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var http = new HttpClient { BaseAddress = stack.Gateway };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await CreateKeyAsync(user));
        // Two tokens reach the client, the model dies, and its retry begins with other words: a /v1 client cannot take
        // text back, so the answer ends with an error instead of a text that splices two attempts.
        const string question = "diverge after a crash [[cut-times:1:2]] [[retry-differs]]";
        using var response = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = FakeModelServer.ModelName, stream = true, messages = new[] { new { role = "user", content = question } } });
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {body}");
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.True(events is [.., "[DONE]"] && events[^2].Contains("\"retry_diverged\"", StringComparison.Ordinal),
            $"the stream should end with the retry_diverged error, then [DONE]; model attempts: {stack.Model.AttemptsFor(question)}; stream: {body}");
        var sent = string.Concat(events.SkipLast(2).Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0])
            .Select(choice => choice.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(question).Take(2)), sent);

        var job = (await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("jobs").EnumerateArray()
            .Single(j => j.GetProperty("kind").GetString() == "completion");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("RETRY_DIVERGED", job.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task A_streaming_client_that_leaves_mid_answer_stops_the_model_call()
    {
        using var user = await TestUser.SignUpAsync(stack);
        // A client that leaves closes its connection. .NET's own HTTP client would otherwise keep it open for up to 2 s to
        // read the rest of the response and reuse the connection (ResponseDrainTimeout), and TaskFlow can only notice a
        // client gone when its connection is: on a busy machine the 2 s answer finished first (one CI run in five).
        using var leavingTransport = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 });
        using var client = ClientFor(stack, await CreateKeyAsync(user), FakeModelServer.ModelName, leavingTransport);
        const string question = "tell me slowly, I may leave [[delay:150]]";
        var received = "";
        using (var leaving = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: leaving.Token))
                {
                    received += update.Text;
                    if (received.Length > 0)
                    {
                        await leaving.CancelAsync();
                    }
                }
            });
        }

        var job = (JsonElement)(await Eventually.GetAsync(async () =>
            (await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("jobs").EnumerateArray()
                .FirstOrDefault(j => j.GetProperty("kind").GetString() == "completion" && j.GetProperty("status").GetString() is "completed" or "cancelled" or "failed")
                is { ValueKind: JsonValueKind.Object } ended ? (object?)ended : null, what: "the job to end"))!;
        var calls = await InferenceLogs.CallsAsync(stack, job.GetProperty("jobId").GetGuid());
        Assert.True(job.GetProperty("status").GetString() == "cancelled" && calls is ["1|cancelled|"],
            $"job {job}, calls {string.Join(", ", calls)}, model calls aborted: {stack.Model.AbortedFor(question)}");
        Assert.Equal(1, stack.Model.AttemptsFor(question));
        Assert.StartsWith(received, string.Concat(FakeModelServer.ReplyTo(question)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blocked_answer_ends_with_finish_reason_content_filter_as_openai_reports_it()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(await CreateKeyAsync(user));

        var plain = await client.GetResponseAsync("say something unsafe [[error:content_blocked]]");
        Assert.Equal(ChatFinishReason.ContentFilter, plain.FinishReason);
        Assert.Equal("", plain.Text);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("stream something unsafe [[error:content_blocked]]"))
        {
            updates.Add(update);
        }
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.ContentFilter);
    }

    [Fact]
    public async Task Unknown_and_revoked_keys_are_refused_with_openai_style_errors()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using (var stranger = ClientFor("tf_not-a-real-key"))
        {
            var refused = await Assert.ThrowsAsync<ClientResultException>(() => stranger.GetResponseAsync("hi"));
            Assert.Equal(401, refused.Status);
        }

        var key = await CreateKeyAsync(user);
        var keys = await user.Http.GetFromJsonAsync<JsonElement>("/api/keys");
        var id = keys.EnumerateArray().Single().GetProperty("id").GetString();
        Assert.DoesNotContain(key, keys.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/keys/{id}")).StatusCode);

        using var revoked = ClientFor(key);
        var afterRevoke = await Assert.ThrowsAsync<ClientResultException>(() => revoked.GetResponseAsync("hi"));
        Assert.Equal(401, afterRevoke.Status);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_with_the_available_ones_listed()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var key = await CreateKeyAsync(user);
        using var http = new HttpClient { BaseAddress = stack.Gateway };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var response = await http.PostAsJsonAsync("/v1/chat/completions", new { model = "gpt-17", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains(FakeModelServer.ModelName, error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == FakeModelServer.ModelName);
    }

    private IChatClient ClientFor(string key) => ClientFor(stack, key, FakeModelServer.ModelName);

    /// <summary>The real OpenAI .NET client, as an <see cref="IChatClient"/>, pointed at TaskFlow's /v1 with a user's key.</summary>
    internal static IChatClient ClientFor(TaskFlowStack stack, string key, string model, HttpClient? transport = null) =>
        new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key),
            new OpenAIClientOptions
            {
                Endpoint = new Uri(stack.Gateway, "/v1"),
                Transport = transport is null ? null : new System.ClientModel.Primitives.HttpClientPipelineTransport(transport),
            }).AsIChatClient();

    internal static async Task<string> CreateKeyAsync(TestUser user)
    {
        var response = await user.Http.PostAsJsonAsync("/api/keys", new { name = "test script" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
