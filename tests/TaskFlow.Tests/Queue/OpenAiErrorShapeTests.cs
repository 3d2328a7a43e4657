using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;
using static TaskFlow.Tests.Queue.OpenAiCompatibleApiTests;

namespace TaskFlow.Tests.Queue;

/// <summary>
/// What <c>/v1</c> refuses, and how: every error in OpenAI's shape with a code (and the parameter at fault), so an
/// OpenAI SDK can tell the user what went wrong instead of "no body".
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OpenAiErrorShapeTests(TaskFlowStack stack)
{
    public static TheoryData<string, string, string> RefusedBodies => new()
    {
        { """{"temperature": 5}""", "temperature", "decimal_above_max_value" },
        { """{"temperature": -0.1}""", "temperature", "decimal_below_min_value" },
        { """{"top_p": 1.5}""", "top_p", "decimal_above_max_value" },
        { """{"max_tokens": -1}""", "max_tokens", "integer_below_min_value" },
        { """{"max_completion_tokens": 0}""", "max_completion_tokens", "integer_below_min_value" },
        { """{"max_tokens": "many"}""", "max_tokens", "invalid_type" },
        { """{"n": 0}""", "n", "integer_below_min_value" },
        { """{"n": 2}""", "n", "unsupported_value" },
        { """{"tools": [{"type": "function", "function": {"name": "now"}}]}""", "tools", "unsupported_parameter" },
        { """{"tool_choice": "required"}""", "tool_choice", "unsupported_value" },
        { """{"logprobs": true}""", "logprobs", "unsupported_parameter" },
        { """{"stop": ["a", "b", "c", "d", "e"]}""", "stop", "array_above_max_length" },
        { """{"response_format": {"type": "xml"}}""", "response_format.type", "invalid_value" },
        { """{"messages": [{"role": "tool", "content": "42"}]}""", "messages[0].role", "invalid_value" },
        { """{"messages": []}""", "messages", "missing_required_parameter" },
        { """{"messages": [{"role": "user", "content": "a\u0000b"}]}""", "messages[0].content", "invalid_value" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task Out_of_range_and_unsupported_values_are_400s_naming_the_parameter(string extra, string param, string code)
    {
        using var http = await KeyedClientAsync();
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(
            """{"model": "fake-qwen", "messages": [{"role": "user", "content": "hi"}]}""")!;
        foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra)!)
        {
            body[name] = value;
        }
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", body);
        var error = await ErrorOf(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_openai_client_hears_why_tools_are_refused()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(stack, await CreateKeyAsync(user), FakeModelServer.ModelName);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync("what time is it?",
            new ChatOptions { Tools = [AIFunctionFactory.Create(() => DateTimeOffset.UtcNow, "now")] }));
        Assert.Equal(400, refused.Status);
        Assert.Contains("unsupported_parameter", refused.Message, StringComparison.Ordinal);
        Assert.Contains("tool calls", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_however_it_is_sent()
    {
        using var http = await KeyedClientAsync();
        // A client that sends its whole body before it reads (as HttpClient and most SDKs do) must hear the 413, not a
        // broken connection: before the rest of such a body was read and dropped, one request in nine came back broken.
        var large = new string('x', 12 * 1024 * 1024);
        for (var i = 0; i < 10; i++)
        {
            using var response = await http.PostAsync("/v1/chat/completions", new StringContent(
                $$"""{"model": "fake-qwen", "messages": [{"role": "user", "content": "{{large}}"}]}""", Encoding.UTF8, "application/json"));
            var error = await ErrorOf(response, HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("request_too_large", error.GetProperty("code").GetString());
            Assert.Contains("limited to 1,048,576 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("this one has 12,582,9", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // A client that asks before sending (Expect: 100-continue, as curl does for large bodies) is refused before it
        // sends any of its body, however large it says the body is.
        using var asking = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = stack.Gateway,
        };
        asking.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
        var announced = 64L * 1024 * 1024;
        var held = new CountingBody(announced);
        using var heldContent = new StreamContent(held);
        heldContent.Headers.ContentType = new("application/json");
        heldContent.Headers.ContentLength = announced;
        using var heldRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = heldContent };
        heldRequest.Headers.ExpectContinue = true;
        using var heldResponse = await asking.SendAsync(heldRequest);
        var heldError = await ErrorOf(heldResponse, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("this one has 67,108,864", heldError.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, held.Sent);

        // A body sent without a length (chunked) is cut off at the limit while it is read.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(
            $$"""{"model": "fake-qwen", "messages": [{"role": "user", "content": "{{large[..(2 * 1024 * 1024)]}}"}]}""")));
        chunked.Headers.ContentType = new("application/json");
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = chunked };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        using var chunkedResponse = await http.SendAsync(chunkedRequest);
        Assert.Equal("request_too_large", (await ErrorOf(chunkedResponse, HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString());

        // Within the body limit, each message is held to the chat's message limit.
        using var tooLong = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = FakeModelServer.ModelName, messages = new[] { new { role = "user", content = new string('y', 16_001) } } });
        var longError = await ErrorOf(tooLong, HttpStatusCode.BadRequest);
        Assert.Equal("string_above_max_length", longError.GetProperty("code").GetString());
        Assert.Equal("messages[0].content", longError.GetProperty("param").GetString());
        Assert.Contains("16,000 characters", longError.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_paths_wrong_methods_and_models_answer_in_openai_error_shape()
    {
        using var anonymous = new HttpClient { BaseAddress = stack.Gateway };
        Assert.Equal("invalid_api_key", (await ErrorOf(await anonymous.GetAsync("/v1/models"), HttpStatusCode.Unauthorized)).GetProperty("code").GetString());

        using var http = await KeyedClientAsync();
        Assert.Equal("unknown_url", (await ErrorOf(await http.GetAsync("/v1/embeddings"), HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal("method_not_allowed",
            (await ErrorOf(await http.GetAsync("/v1/chat/completions"), HttpStatusCode.MethodNotAllowed)).GetProperty("code").GetString());

        var model = await http.GetFromJsonAsync<JsonElement>($"/v1/models/{FakeModelServer.ModelName}");
        Assert.Equal(FakeModelServer.ModelName, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        var missing = await ErrorOf(await http.GetAsync("/v1/models/gpt-17"), HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", missing.GetProperty("code").GetString());
        var longName = await ErrorOf(await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = new string('m', 100_000), messages = new[] { new { role = "user", content = "hi" } } }), HttpStatusCode.NotFound);
        Assert.True(longName.GetProperty("message").GetString()!.Length < 1000, "the error must not echo a huge model name back");

        // The OpenAI SDK's model client reads both.
        var key = http.DefaultRequestHeaders.Authorization!.Parameter!;
        var models = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(stack.Gateway, "/v1") }).GetOpenAIModelClient();
        Assert.Equal(FakeModelServer.ModelName, (await models.GetModelAsync(FakeModelServer.ModelName)).Value.Id);
        var notFound = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("gpt-17"));
        Assert.Contains("model_not_found", notFound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_whose_server_is_down_is_not_offered_and_fails_at_once()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var http = await KeyedClientAsync(user);
        var known = (await user.Http.GetFromJsonAsync<JsonElement>("/api/models")).GetProperty("models").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == TaskFlowStack.UnreachableModel);
        Assert.False(known.GetProperty("isReachable").GetBoolean());

        var offered = (await http.GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString());
        Assert.DoesNotContain(TaskFlowStack.UnreachableModel, offered);
        Assert.Contains(FakeModelServer.ModelName, offered);
        Assert.Equal("model_not_found",
            (await ErrorOf(await http.GetAsync($"/v1/models/{TaskFlowStack.UnreachableModel}"), HttpStatusCode.NotFound)).GetProperty("code").GetString());

        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = TaskFlowStack.UnreachableModel, messages = new[] { new { role = "user", content = "anyone there?" } } });
        var error = await ErrorOf(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("model_unavailable", error.GetProperty("code").GetString());
        Assert.Contains(FakeModelServer.ModelName, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refusing took {clock.Elapsed}");
    }

    [Fact]
    public async Task Priority_in_the_body_and_the_header_must_agree()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var http = await KeyedClientAsync(user);

        async Task<HttpResponseMessage> SendAsync(string text, string? body, string? header)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = FakeModelServer.ModelName, priority = body, messages = new[] { new { role = "user", content = text } } }),
            };
            if (header is not null)
            {
                request.Headers.Add("X-TaskFlow-Priority", header);
            }
            return await http.SendAsync(request);
        }

        var conflict = await ErrorOf(await SendAsync("conflict", "high", "low"), HttpStatusCode.BadRequest);
        Assert.Equal("conflicting_priority", conflict.GetProperty("code").GetString());
        Assert.Equal("priority", conflict.GetProperty("param").GetString());

        Assert.Equal(HttpStatusCode.OK, (await SendAsync("both high", "high", "HIGH")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("header low", null, "low")).StatusCode);
        var jobs = (await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("jobs").EnumerateArray()
            .Select(j => j.GetProperty("priority").GetString()).ToList();
        Assert.Equal(["low", "high"], jobs);
    }

    [Fact]
    public async Task Too_many_open_jobs_is_a_429_rate_limit_error()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var http = await KeyedClientAsync(user);
        var hold = Guid.NewGuid().ToString("N");
        try
        {
            // Chat:MaxOpenJobsPerUser (16) jobs the fake model holds unanswered.
            for (var i = 0; i < 16; i++)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await user.Http.PostAsJsonAsync("/api/chat", new { message = $"held {i} [[hold:{hold}]]" })).StatusCode);
            }
            using var response = await http.PostAsJsonAsync("/v1/chat/completions",
                new { model = FakeModelServer.ModelName, messages = new[] { new { role = "user", content = "one too many" } } });
            var error = await ErrorOf(response, HttpStatusCode.TooManyRequests);
            Assert.Equal("too_many_jobs", error.GetProperty("code").GetString());
            Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        }
        finally
        {
            stack.Model.Release(hold);
        }
    }

    private async Task<HttpClient> KeyedClientAsync(TestUser? owner = null)
    {
        using var created = owner is null ? await TestUser.SignUpAsync(stack) : null;
        var http = new HttpClient { BaseAddress = stack.Gateway };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await CreateKeyAsync(owner ?? created!));
        return http;
    }

    /// <summary>The response's status, and its body in OpenAI's error shape with all four fields.</summary>
    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        foreach (var field in new[] { "message", "type", "param", "code" })
        {
            Assert.True(error.TryGetProperty(field, out _), $"error.{field} is missing: {text}");
        }
        Assert.Equal(JsonValueKind.String, error.GetProperty("code").ValueKind);
        return error;
    }

    /// <summary>A request body of <c>length</c> bytes made as it is read, counting how much of it the client sent.</summary>
    private sealed class CountingBody(long length) : Stream
    {
        public long Sent { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = (int)Math.Min(count, length - Sent);
            buffer.AsSpan(offset, read).Fill((byte)'x');
            Sent += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => Sent; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
