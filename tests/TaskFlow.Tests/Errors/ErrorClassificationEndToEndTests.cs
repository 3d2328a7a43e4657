using Npgsql;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Errors;

/// <summary>
/// The fake model server fails the way a real provider does (status and body, see <c>FakeModelServer.Failures</c>);
/// the worker's real OllamaSharp client meets it, and the user gets the seed's code and words that say what to do.
/// Transient classes are retried first (quickly, in the test stack), then reported.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ErrorClassificationEndToEndTests(TaskFlowStack stack)
{
    [Theory]
    [InlineData("rate_limited", "RATE_LIMITED", "Wait a minute")]
    [InlineData("quota", "QUOTA_EXCEEDED", "billing")]
    [InlineData("model_not_found", "MODEL_NOT_FOUND", "Pick another model")]
    [InlineData("permission", "PERMISSION_DENIED", "check the key")]
    [InlineData("unavailable", "SERVICE_UNAVAILABLE", "Try again in a moment")]
    [InlineData("timeout", "TIMEOUT", "Try again")]
    [InlineData("content_blocked", "CONTENT_BLOCKED", "Rephrase")]
    [InlineData("unknown", "UNKNOWN", "try again")]
    public async Task Each_kind_of_model_failure_reaches_the_user_classified(string failure, string code, string advice)
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync($"please fail [[error:{failure}]]");
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        var error = events[^1];

        Assert.Equal("ai_error", error.Type());
        Assert.Equal(code, error.Str("code"));
        Assert.Contains(advice, error.Str("error"), StringComparison.Ordinal);
        var generationId = events.First(e => e.Type() == "message_accepted").Str("generationId");
        Assert.Equal(generationId, error.Str("generationId"));

        // The job's record says the same, for the job history and the metrics.
        await using var db = await stack.OpenDatabaseAsync();
        var stored = await Eventually.GetAsync(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT status || '|' || error_code FROM chat.generations WHERE id = @id AND finished_at IS NOT NULL", db);
            command.Parameters.AddWithValue("id", Guid.Parse(generationId));
            return await command.ExecuteScalarAsync() as string;
        }, what: "the failed job");
        Assert.Equal($"failed|{code}", stored);
    }

    [Fact]
    public async Task A_failed_model_call_is_logged_once_with_its_job_its_code_and_its_cause()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("fail, and say so once in the log [[error:permission]]");
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        var generationId = events.First(e => e.Type() == "message_accepted").Str("generationId");

        // A console entry is its level and category on one line, then its message, then the exception with its stack.
        var mention = $"Generation {generationId} on ";
        var lines = await Eventually.GetAsync(() =>
        {
            var all = Directory.EnumerateFiles(stack.LogDirectory, "inferenceworker*.log").SelectMany(ResourceLogFiles.ReadLines).ToList();
            // Written line by line: wait for the line after the entry's message too.
            var at = all.FindIndex(line => line.Contains(mention, StringComparison.Ordinal));
            return Task.FromResult(at >= 0 && at + 1 < all.Count ? all : null);
        }, what: "the worker to log the failed call");
        var entries = lines.Select((line, i) => (line, i)).Where(x => x.line.Contains(mention, StringComparison.Ordinal) && x.line.Contains("failed:", StringComparison.Ordinal)).ToList();
        var entry = Assert.Single(entries);
        Assert.Contains("failed: PERMISSION_DENIED", entry.line, StringComparison.Ordinal);
        Assert.Contains("Exception", lines[entry.i + 1], StringComparison.Ordinal);
        // The chat client's own record of the same failure (the GenAI conventions' exception event) would log the stack
        // a second time, without the job.
        Assert.DoesNotContain(lines, line => line.Contains("gen_ai.client.operation.exception", StringComparison.Ordinal));
        // The failure stays in the trace: the GenAI span of the call names the error's type.
        var modelCall = await Eventually.GetAsync(() =>
        {
            var spans = stack.Otlp.Spans;
            var job = spans.FirstOrDefault(s => s.Attribute("taskflow.generation_id") == generationId);
            return Task.FromResult(job is null ? null
                : spans.FirstOrDefault(s => s.TraceId == job.TraceId && s.Service == ServiceNames.InferenceWorker && s.Name.StartsWith("chat ", StringComparison.Ordinal)));
        }, TimeSpan.FromSeconds(30), "the failed call's GenAI span");
        Assert.False(string.IsNullOrEmpty(modelCall.Attribute("error.type")), "the failed call's span has no error.type");
    }
}
