using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace TaskFlow.Tests.Fakes;

/// <summary>
/// The fake's OpenAI API as the official OpenAI .NET client reads it, without the worker in between: if the SDK
/// understands it, the end-to-end tests exercise the real client code and not a protocol of the fake's own.
/// </summary>
public sealed class OpenAiProviderFakeServerTests : IAsyncLifetime
{
    private const string Key = "sk-fake-server-test";
    private FakeModelServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_completion_without_streaming_has_the_answer_the_finish_reason_and_the_usage()
    {
        const string prompt = "not streamed";
        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage(prompt)]);

        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(prompt)), Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(FakeModelServer.OpenAiModelName, completion.Model);
        Assert.Equal(FakeModelServer.CountTokens(prompt), completion.Usage.InputTokenCount);
        Assert.Equal(FakeModelServer.CountTokens(string.Concat(FakeModelServer.ReplyTo(prompt))), completion.Usage.OutputTokenCount);
        Assert.Equal($"Bearer {Key}", Assert.Single(_server.Received).Authorization);
    }

    [Fact]
    public async Task A_filtered_stream_stops_with_content_filter_and_still_reports_usage()
    {
        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("stream me [[content-filter]]")]))
        {
            updates.Add(update);
        }

        var text = updates.SelectMany(u => u.ContentUpdate).Select(part => part.Text).Where(t => t.Length > 0).ToList();
        Assert.Equal(FakeModelServer.ReplyTo("stream me").Take(FakeModelServer.TokensBeforeContentFilter), text);
        Assert.Equal(ChatFinishReason.ContentFilter, updates.Single(u => u.FinishReason is not null).FinishReason);
        Assert.NotNull(updates[^1].Usage);
        Assert.True(Assert.Single(_server.Received).Body["stream_options"]?["include_usage"]?.GetValue<bool>());
    }

    [Fact]
    public async Task Failures_and_the_model_list_come_in_openai_shape()
    {
        var quota = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new UserChatMessage("[[error:quota]]")]));
        Assert.Equal(429, quota.Status);
        Assert.Contains("insufficient_quota", quota.Message, StringComparison.Ordinal);

        var models = await new OpenAIClient(new ApiKeyCredential(Key), Options()).GetOpenAIModelClient().GetModelsAsync();
        Assert.Contains(models.Value, model => model.Id == FakeModelServer.OpenAiModelName);

        using var http = new HttpClient();
        using var keyless = await http.PostAsJsonAsync(new Uri(_server.OpenAiBaseAddress + "/chat/completions"),
            new { model = FakeModelServer.OpenAiModelName, messages = new[] { new { role = "user", content = "no key" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);
        var error = (await keyless.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("API key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private ChatClient Client() => new(FakeModelServer.OpenAiModelName, new ApiKeyCredential(Key), Options());

    private OpenAIClientOptions Options() => new() { Endpoint = _server.OpenAiBaseAddress, RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0) };
}
