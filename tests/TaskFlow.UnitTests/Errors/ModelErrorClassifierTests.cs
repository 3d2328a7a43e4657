using TaskFlow.Contracts.Chat;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSharp.Models.Exceptions;
using OpenAI;
using Polly.Timeout;
using TaskFlow.InferenceWorker.Generation;

namespace TaskFlow.UnitTests.Errors;

/// <summary>
/// The classifier against what the real clients throw: each failure is a canned HTTP answer run through the same
/// client the worker uses (OllamaSharp, or the OpenAI SDK through Microsoft.Extensions.AI), so the exception's type,
/// status and message are the genuine article, not a guess at them.
/// </summary>
public sealed class ModelErrorClassifierTests
{
    public static TheoryData<int, string, string> OllamaFailures => new()
    {
        // OllamaSharp keeps the body only for 400; otherwise the status is all the worker gets.
        { 429, """{"error":"rate limit exceeded"}""", ErrorCodes.RateLimited },
        { 402, """{"error":"insufficient_quota"}""", ErrorCodes.QuotaExceeded },
        { 404, """{"error":"model 'llama9' not found, try pulling it first"}""", ErrorCodes.ModelNotFound },
        { 401, """{"error":"unauthorized"}""", ErrorCodes.PermissionDenied },
        { 403, """{"error":"forbidden"}""", ErrorCodes.PermissionDenied },
        { 503, """{"error":"server busy, please try again.  maximum pending requests exceeded"}""", ErrorCodes.ServiceUnavailable },
        { 502, "Bad Gateway", ErrorCodes.ServiceUnavailable },
        { 504, "upstream request timeout", ErrorCodes.Timeout },
        { 400, """{"error":"the response was blocked by the content filter (safety system)"}""", ErrorCodes.ContentBlocked },
        { 400, """{"error":"invalid model name"}""", ErrorCodes.ModelNotFound },
        { 400, """{"error":"json: cannot unmarshal string into Go value"}""", ErrorCodes.Unknown },
        { 500, """{"error":"boom"}""", ErrorCodes.Unknown },
        { 500, """{"error":"open /root/.ollama/models/blobs/sha256-1: permission denied"}""", ErrorCodes.Unknown },
    };

    [Theory]
    [MemberData(nameof(OllamaFailures))]
    public async Task Ollama_failures_are_classified_from_what_OllamaSharp_throws(int status, string body, string code)
    {
        var failure = await FailureOf(new OllamaApiClient(new HttpClient(new CannedResponse((HttpStatusCode)status, body)) { BaseAddress = new Uri("http://ollama.test/") }, "llama9"));
        Assert.Equal(code, ModelErrorClassifier.Classify(failure).Code);
    }

    [Fact]
    public async Task OllamaSharp_keeps_the_servers_words_only_for_400()
    {
        var badRequest = await FailureOf(new OllamaApiClient(new HttpClient(new CannedResponse(HttpStatusCode.BadRequest, """{"error":"content filter"}""")) { BaseAddress = new Uri("http://ollama.test/") }, "m"));
        Assert.IsType<OllamaException>(badRequest);
        Assert.Equal("content filter", badRequest.Message);

        var notFound = await FailureOf(new OllamaApiClient(new HttpClient(new CannedResponse(HttpStatusCode.NotFound, """{"error":"model 'm' not found"}""")) { BaseAddress = new Uri("http://ollama.test/") }, "m"));
        Assert.Equal(HttpStatusCode.NotFound, Assert.IsType<HttpRequestException>(notFound).StatusCode);
        Assert.DoesNotContain("not found, try", notFound.Message, StringComparison.Ordinal);
    }

    public static TheoryData<int, string, string> OpenAiCompatibleFailures => new()
    {
        { 429, """{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-1 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", ErrorCodes.RateLimited },
        { 429, """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", ErrorCodes.QuotaExceeded },
        { 402, """{"error":{"message":"Insufficient credits. Add more using https://openrouter.ai/credits","code":402}}""", ErrorCodes.QuotaExceeded },
        { 404, """{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}""", ErrorCodes.ModelNotFound },
        { 400, """{"error":{"message":"openai/gpt-9 is not a valid model ID","code":400}}""", ErrorCodes.ModelNotFound },
        { 401, """{"error":{"message":"Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", ErrorCodes.PermissionDenied },
        { 400, """{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}""", ErrorCodes.PermissionDenied },
        { 403, """{"error":{"message":"Project does not have access to model gpt-4o","type":"invalid_request_error","code":"model_not_found"}}""", ErrorCodes.PermissionDenied },
        { 403, """{"error":{"code":403,"message":"gpt-4o requires moderation on OpenRouter. Your input was flagged for \"harassment\"","metadata":{"reasons":["harassment"]}}}""", ErrorCodes.ContentBlocked },
        { 400, """{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.","type":null,"param":"prompt","code":"content_filter","status":400}}""", ErrorCodes.ContentBlocked },
        { 503, """{"error":{"message":"The server is overloaded or not ready yet.","type":"server_error"}}""", ErrorCodes.ServiceUnavailable },
        { 529, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", ErrorCodes.ServiceUnavailable },
        { 504, "<html>504 Gateway Time-out</html>", ErrorCodes.Timeout },
        { 500, """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error"}}""", ErrorCodes.Unknown },
        { 500, "boom", ErrorCodes.Unknown },
        { 500, """{"error":{"message":"upstream connect error: overloaded","type":"server_error"}}""", ErrorCodes.ServiceUnavailable },
    };

    [Theory]
    [MemberData(nameof(OpenAiCompatibleFailures))]
    public async Task OpenAI_compatible_failures_are_classified_from_the_ClientResultException(int status, string body, string code)
    {
        var failure = await FailureOf(OpenAiClient(new CannedResponse((HttpStatusCode)status, body)));
        Assert.Equal(status, Assert.IsType<ClientResultException>(failure).Status);
        Assert.Equal(code, ModelErrorClassifier.Classify(failure).Code);
    }

    [Fact]
    public async Task No_server_listening_is_service_unavailable_for_both_clients()
    {
        var closedPort = LoopbackPorts.Unused();
        var ollama = await FailureOf(new OllamaApiClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{closedPort}/") }, "m"));
        Assert.Equal(HttpRequestError.ConnectionError, Assert.IsType<HttpRequestException>(ollama).HttpRequestError);
        Assert.Equal(ErrorCodes.ServiceUnavailable, ModelErrorClassifier.Classify(ollama).Code);

        var openAi = await FailureOf(OpenAiClient(new SocketsHttpHandler(), $"http://127.0.0.1:{closedPort}/v1"));
        Assert.Equal(ErrorCodes.ServiceUnavailable, ModelErrorClassifier.Classify(openAi).Code);
    }

    [Fact]
    public async Task An_http_client_timeout_is_a_timeout_not_a_silent_abort()
    {
        var failure = await FailureOf(new OllamaApiClient(new HttpClient(new NeverAnswers()) { BaseAddress = new Uri("http://ollama.test/"), Timeout = TimeSpan.FromMilliseconds(50) }, "m"));
        Assert.IsType<TimeoutException>(Assert.IsAssignableFrom<OperationCanceledException>(failure).InnerException);
        Assert.Equal(ErrorCodes.Timeout, ModelErrorClassifier.Classify(failure).Code);
    }

    [Fact]
    public async Task A_call_cancelled_underneath_is_an_abort_worth_retrying()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var failure = await FailureOf(new OllamaApiClient(new HttpClient(new NeverAnswers()) { BaseAddress = new Uri("http://ollama.test/") }, "m"), cancel.Token);
        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        var error = ModelErrorClassifier.Classify(failure);
        Assert.Equal(ErrorCodes.Abort, error.Code);
        Assert.True(error.IsTransient);
        Assert.Contains("Try again", error.UserMessage, StringComparison.Ordinal);
    }

    public static TheoryData<Exception, string> OtherFailures => new()
    {
        { new TimeoutException("The operation has timed out."), ErrorCodes.Timeout },
        { new TimeoutRejectedException("The operation didn't complete within the allowed timeout of '00:00:30'."), ErrorCodes.Timeout },
        { new HttpRequestException(HttpRequestError.ConnectionError, "Connection timed out (10.0.0.9:11434)", new SocketException((int)SocketError.TimedOut)), ErrorCodes.Timeout },
        { new InvalidOperationException("DEADLINE_EXCEEDED: the model took too long"), ErrorCodes.Timeout },
        { new InvalidOperationException("RESOURCE_EXHAUSTED: rate limit reached"), ErrorCodes.RateLimited },
        { new InvalidOperationException("QUOTA_EXCEEDED for project"), ErrorCodes.QuotaExceeded },
        { new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known (ollama.internal:11434)", new SocketException((int)SocketError.HostNotFound)), ErrorCodes.ServiceUnavailable },
        { new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."), ErrorCodes.ServiceUnavailable },
        // Numbers inside ports or ids are not status codes.
        { new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:4290)", new SocketException((int)SocketError.ConnectionRefused)), ErrorCodes.ServiceUnavailable },
        { new OllamaException("runner on port 45030 exited: unexpected EOF"), ErrorCodes.Unknown },
        { new InvalidOperationException("something odd"), ErrorCodes.Unknown },
    };

    [Theory]
    [MemberData(nameof(OtherFailures))]
    public void Failures_without_a_status_are_classified_by_kind_then_by_words(Exception exception, string code) =>
        Assert.Equal(code, ModelErrorClassifier.Classify(exception).Code);

    [Theory]
    [InlineData(ErrorCodes.RateLimited, true, "Wait a minute")]
    [InlineData(ErrorCodes.ServiceUnavailable, true, "Try again in a moment")]
    [InlineData(ErrorCodes.Timeout, true, "Try again")]
    [InlineData(ErrorCodes.Unknown, true, "try again")]
    [InlineData(ErrorCodes.ContentBlocked, false, "Rephrase")]
    [InlineData(ErrorCodes.ModelNotFound, false, "Pick another model")]
    [InlineData(ErrorCodes.PermissionDenied, false, "check the key")]
    [InlineData(ErrorCodes.QuotaExceeded, false, "billing")]
    public void Every_code_tells_the_user_what_to_do_and_only_transient_ones_are_retried(string code, bool transient, string advice)
    {
        var error = ModelErrorClassifier.Describe(code);
        Assert.Equal(code, error.Code);
        Assert.Equal(transient, error.IsTransient);
        Assert.Contains(advice, error.UserMessage, StringComparison.Ordinal);
    }

    private static async Task<Exception> FailureOf(IChatClient client, CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: cancellationToken))
            {
            }
        }
        catch (Exception ex)
        {
            return ex;
        }
        throw new InvalidOperationException("The call was expected to fail.");
    }

    private static IChatClient OpenAiClient(HttpMessageHandler handler, string endpoint = "http://openai.test/v1") =>
        new OpenAI.Chat.ChatClient("gpt-9", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(endpoint),
            Transport = new HttpClientPipelineTransport(new HttpClient(handler)),
            // The SDK's own retries would only slow the test down; the answer is the same.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).AsIChatClient();

    private sealed class CannedResponse(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }

    private sealed class NeverAnswers : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new UnreachableException();
        }
    }
}
