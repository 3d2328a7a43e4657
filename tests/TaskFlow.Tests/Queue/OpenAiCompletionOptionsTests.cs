using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;
using static TaskFlow.Tests.Queue.OpenAiCompatibleApiTests;

namespace TaskFlow.Tests.Queue;

/// <summary>
/// The generation options of <c>/v1/chat/completions</c>, set through the real OpenAI .NET client, reach every kind of
/// model (Ollama, OpenAI-compatible, the offline model), and a token limit that cuts the answer is reported as OpenAI
/// reports it: <c>finish_reason: "length"</c>.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OpenAiCompletionOptionsTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Max_tokens_cuts_the_answer_and_ends_it_with_finish_reason_length()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(stack, await CreateKeyAsync(user), FakeModelServer.ModelName);

        const string question = "how long is a piece of string?";
        var response = await client.GetResponseAsync(question, new ChatOptions { MaxOutputTokens = 3 });
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(question).Take(3)), response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, (int?)stack.Model.LastRequestFor(question)!.Body["options"]?["num_predict"]);

        const string streamed = "and how long when streamed?";
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(streamed, new ChatOptions { MaxOutputTokens = 4 }))
        {
            updates.Add(update);
        }
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(streamed).Take(4)), string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Length);
        Assert.DoesNotContain(updates, u => u.FinishReason == ChatFinishReason.Stop);

        // Without a limit the same question ends as before.
        var whole = await client.GetResponseAsync(question);
        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(question)), whole.Text);
        Assert.Equal(ChatFinishReason.Stop, whole.FinishReason);
    }

    [Fact]
    public async Task Sampling_options_stop_sequences_and_json_format_reach_an_ollama_model()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(stack, await CreateKeyAsync(user), FakeModelServer.ModelName);

        const string question = "tell me about queues";
        var response = await client.GetResponseAsync(question, new ChatOptions
        {
            Temperature = 0.25f,
            TopP = 0.5f,
            Seed = 42,
            StopSequences = ["all from"],
            ResponseFormat = ChatResponseFormat.Json,
        });

        var body = stack.Model.LastRequestFor(question)!.Body;
        var options = body["options"]!.AsObject();
        Assert.Equal(0.25, (double)options["temperature"]!, 3);
        Assert.Equal(0.5, (double)options["top_p"]!, 3);
        Assert.Equal(42, (int)options["seed"]!);
        Assert.Equal(["all from"], options["stop"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("json", (string?)body["format"]);
        var whole = string.Concat(FakeModelServer.ReplyTo(question));
        Assert.Equal(whole[..whole.IndexOf("all from", StringComparison.Ordinal)], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task Options_reach_an_openai_compatible_model_and_its_length_finish_comes_back()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(stack, await CreateKeyAsync(user), TaskFlowStack.OpenAiModel);

        const string question = "what does a rate limiter do?";
        var schema = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"answer":{"type":"string"}}}""").RootElement;
        var response = await client.GetResponseAsync(question, new ChatOptions
        {
            MaxOutputTokens = 2,
            Temperature = 1.5f,
            TopP = 0.75f,
            Seed = 7,
            StopSequences = ["never said"],
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "reply"),
        });

        Assert.Equal(string.Concat(FakeModelServer.ReplyTo(question).Take(2)), response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        var body = stack.Model.LastRequestFor(question)!.Body;
        Assert.Equal(2, (int?)body["max_completion_tokens"] ?? (int?)body["max_tokens"]);
        Assert.Equal(1.5, (double)body["temperature"]!, 3);
        Assert.Equal(0.75, (double)body["top_p"]!, 3);
        Assert.Equal(7, (int)body["seed"]!);
        Assert.Equal(["never said"], body["stop"] is JsonArray stops ? stops.Select(s => (string?)s) : [(string?)body["stop"]]);
        Assert.Equal("json_schema", (string?)body["response_format"]?["type"]);
        Assert.Equal("reply", (string?)body["response_format"]?["json_schema"]?["name"]);
        Assert.Equal("string", (string?)body["response_format"]?["json_schema"]?["schema"]?["properties"]?["answer"]?["type"]);
    }

    [Fact]
    public async Task The_offline_model_honours_max_tokens_and_stop_sequences()
    {
        using var user = await TestUser.SignUpAsync(stack);
        using var client = ClientFor(stack, await CreateKeyAsync(user), "taskflow-offline");

        var limited = await client.GetResponseAsync("hello offline", new ChatOptions { MaxOutputTokens = 3 });
        Assert.Equal("I'm TaskFlow's built-in ", limited.Text);
        Assert.Equal(ChatFinishReason.Length, limited.FinishReason);

        var stopped = await client.GetResponseAsync("hello again", new ChatOptions { StopSequences = ["offline model"] });
        Assert.Equal("I'm TaskFlow's built-in ", stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }
}
