using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;
using Xunit.Abstractions;

namespace TaskFlow.Tests.Errors;

public sealed class ScratchProbeTests(ITestOutputHelper output)
{
    private sealed class Stub(HttpStatusCode status, string body, string type = "application/json") : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, type) });
    }

    private async Task Dump(IChatClient client)
    {
        try
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")])) { }
            output.WriteLine("no exception");
        }
        catch (Exception ex)
        {
            for (var e = ex; e is not null; e = e.InnerException)
            {
                output.WriteLine($"{e.GetType().FullName}: {e.Message} | status={(e as HttpRequestException)?.StatusCode}{(e as ClientResultException)?.Status} err={(e as HttpRequestException)?.HttpRequestError}");
            }
        }
        output.WriteLine("-----");
    }

    [Fact]
    public async Task Probe()
    {
        foreach (var (status, body) in new[] { (HttpStatusCode.NotFound, "{\"error\":\"model 'x' not found, try pulling it first\"}"), (HttpStatusCode.BadRequest, "{\"error\":\"content filter\"}"), (HttpStatusCode.TooManyRequests, "{\"error\":\"insufficient_quota\"}"), (HttpStatusCode.OK, "{\"error\":\"an error was encountered while running the model\"}\n") })
        {
            await Dump(new OllamaApiClient(new HttpClient(new Stub(status, body)) { BaseAddress = new Uri("http://localhost:1/") }, "x"));
        }
        foreach (var (status, body) in new[] { (HttpStatusCode.TooManyRequests, "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}"), (HttpStatusCode.InternalServerError, "boom") })
        {
            var options = new OpenAIClientOptions { Endpoint = new Uri("http://localhost:1/v1"), Transport = new HttpClientPipelineTransport(new HttpClient(new Stub(status, body))), RetryPolicy = new ClientRetryPolicy(0) };
            await Dump(new OpenAI.Chat.ChatClient("gpt", new ApiKeyCredential("k"), options).AsIChatClient());
        }
        await Dump(new OllamaApiClient(new HttpClient() { BaseAddress = new Uri("http://127.0.0.1:1/") }, "x"));
    }
}
