using System.ClientModel;
using System.Net;
using System.Net.Sockets;
using OllamaSharp.Models.Exceptions;
using TaskFlow.InferenceWorker.Generation;

namespace TaskFlow.Tests.Errors;

public sealed class ModelErrorClassifierTests
{
    public static TheoryData<Exception, string> Cases => new()
    {
        { new HttpRequestException("Response status code does not indicate success: 429 (Too Many Requests).", null, HttpStatusCode.TooManyRequests), ModelError.RateLimited },
        { new ClientResultException("HTTP 429 (insufficient_quota: You exceeded your current quota)"), ModelError.QuotaExceeded },
        { new HttpRequestException("insufficient_quota", null, HttpStatusCode.TooManyRequests), ModelError.QuotaExceeded },
        { new InvalidOperationException("RESOURCE_EXHAUSTED: rate limit reached"), ModelError.RateLimited },
        { new HttpRequestException("payment required", null, HttpStatusCode.PaymentRequired), ModelError.QuotaExceeded },
        { new OllamaException("model 'llama9' not found, try pulling it first"), ModelError.ModelNotFound },
        { new HttpRequestException("no such model", null, HttpStatusCode.NotFound), ModelError.ModelNotFound },
        { new HttpRequestException("bad key", null, HttpStatusCode.Unauthorized), ModelError.PermissionDenied },
        { new ClientResultException("Incorrect API key provided"), ModelError.PermissionDenied },
        { new HttpRequestException("overloaded", null, HttpStatusCode.ServiceUnavailable), ModelError.ServiceUnavailable },
        { new HttpRequestException("Connection refused (127.0.0.1:11434)", new SocketException((int)SocketError.ConnectionRefused)), ModelError.ServiceUnavailable },
        { new TimeoutException("The operation has timed out."), ModelError.Timeout },
        { new InvalidOperationException("DEADLINE_EXCEEDED"), ModelError.Timeout },
        { new HttpRequestException("The response was filtered due to the prompt triggering the content filter", null, HttpStatusCode.BadRequest), ModelError.ContentBlocked },
        { new TaskCanceledException(), ModelError.Abort },
        { new HttpRequestException("boom", null, HttpStatusCode.InternalServerError), ModelError.Unknown },
        { new InvalidOperationException("something odd"), ModelError.Unknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classifies_provider_failures_as_the_seeds_table(Exception exception, string code) =>
        Assert.Equal(code, ModelErrorClassifier.Classify(exception).Code);

    [Theory]
    [InlineData(ModelError.RateLimited, true)]
    [InlineData(ModelError.ServiceUnavailable, true)]
    [InlineData(ModelError.Timeout, true)]
    [InlineData(ModelError.Unknown, true)]
    [InlineData(ModelError.ContentBlocked, false)]
    [InlineData(ModelError.ModelNotFound, false)]
    [InlineData(ModelError.PermissionDenied, false)]
    [InlineData(ModelError.QuotaExceeded, false)]
    public void Only_transient_failures_are_retried(string code, bool transient)
    {
        var error = ModelErrorClassifier.Describe(code);
        Assert.Equal(transient, error.IsTransient);
        Assert.False(string.IsNullOrWhiteSpace(error.UserMessage));
    }

    [Fact]
    public void An_aborted_call_is_silent() => Assert.Equal("", ModelErrorClassifier.Describe(ModelError.Abort).UserMessage);
}
