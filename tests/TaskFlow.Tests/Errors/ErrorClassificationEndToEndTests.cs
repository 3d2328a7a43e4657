using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Errors;

/// <summary>The fake model server fails the way real providers do; the user gets the seed's code and words that say what to do.</summary>
[Collection(StackCollection.Name)]
public sealed class ErrorClassificationEndToEndTests(TaskFlowStack stack)
{
    [Theory]
    [InlineData("[[fail:429]]", "RATE_LIMITED", "rate limit")]
    [InlineData("[[fail:402]]", "QUOTA_EXCEEDED", "quota")]
    [InlineData("[[fail:404]]", "MODEL_NOT_FOUND", "not available")]
    [InlineData("[[fail:401]]", "PERMISSION_DENIED", "API key")]
    [InlineData("[[fail:503]]", "SERVICE_UNAVAILABLE", "temporarily unavailable")]
    [InlineData("[[blocked]] [[fail:400]]", "CONTENT_BLOCKED", "Rephrase")]
    [InlineData("[[fail:500]]", "UNKNOWN", "try again")]
    public async Task Each_kind_of_model_failure_reaches_the_user_classified(string marker, string code, string advice)
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync($"please fail {marker}");
        var error = (await socket.ReceiveUntilAsync("ai_done", "ai_error"))[^1];

        Assert.Equal("ai_error", error.Type());
        Assert.Equal(code, error.Str("code"));
        Assert.Contains(advice, error.Str("error"), StringComparison.OrdinalIgnoreCase);
    }
}
