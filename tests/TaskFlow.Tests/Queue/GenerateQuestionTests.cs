using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Queue;

[Collection(StackCollection.Name)]
public sealed class GenerateQuestionTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Generate_question_goes_through_the_queue_and_suggests_a_question_without_touching_the_conversation()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendAsync(new { type = "generate_question", priority = "high" });
        var events = await socket.ReceiveUntilAsync("question_suggested", "ai_error");

        var suggested = events[^1];
        Assert.Equal("question_suggested", suggested.Type());
        // The fake model echoes the prompt it got, so the suggestion shows the worker asked for a question.
        Assert.Contains("Suggest one interesting, specific question", suggested.Str("question"), StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.Type() is "ai_token" or "ai_start" or "conversation_created");

        var jobs = (await user.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("jobs").EnumerateArray().ToList();
        var job = jobs.Single(j => j.GetProperty("jobId").GetString() == suggested.Str("generationId"));
        Assert.Equal("question", job.GetProperty("kind").GetString());
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("conversationId").ValueKind);
        Assert.Equal("high", job.GetProperty("priority").GetString());
    }
}
