using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>The performance panel's numbers match what the user did.</summary>
[Collection(StackCollection.Name)]
public sealed class StatsTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Three_successes_and_one_failure_give_seventy_five_percent()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        foreach (var message in new[] { "one", "two", "three", "broken [[fail:404]]" })
        {
            await socket.SendUserMessageAsync(message);
            await socket.ReceiveUntilAsync("ai_done", "ai_error");
        }

        var stats = await Eventually.GetAsync(async () =>
        {
            var body = await user.Http.GetFromJsonAsync<JsonElement>("/api/stats?windowMinutes=60&scope=mine");
            return body.GetProperty("totalRequests").GetInt32() == 4 ? (JsonElement?)body : null;
        }, what: "four logged calls");

        Assert.Equal(0.75, stats!.Value.GetProperty("successRate").GetDouble(), 3);
        Assert.Equal(4.0 / 60, stats.Value.GetProperty("throughputPerMinute").GetDouble(), 3);
        Assert.True(stats.Value.GetProperty("averageLatencyMs").GetDouble() >= 0);
        var model = stats.Value.GetProperty("perModel").EnumerateArray().Single();
        Assert.Equal(FakeModelServer.ModelName, model.GetProperty("model").GetString());
        Assert.Equal(4, model.GetProperty("totalRequests").GetInt32());
        Assert.Equal(4, stats.Value.GetProperty("recent").GetArrayLength());

        var everyone = await user.Http.GetFromJsonAsync<JsonElement>("/api/stats?windowMinutes=60");
        Assert.True(everyone.GetProperty("totalRequests").GetInt32() >= 4);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.Http.GetAsync("/api/stats?scope=theirs")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.Http.GetAsync("/api/stats?windowMinutes=0")).StatusCode);
    }
}
