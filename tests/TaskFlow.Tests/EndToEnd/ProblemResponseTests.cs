using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>
/// The services run as users run them (Production) and every error is problem details: what went wrong and what to do,
/// never a stack trace or the request's headers.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ProblemResponseTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Requests_the_framework_cannot_read_answer_400_saying_what_is_wrong()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var cookie = user.Cookies.GetCookies(stack.Gateway)[".TaskFlow.Auth"]!.Value;

        var brokenJson = await user.Http.PostAsync("/api/chat", new StringContent("{\"message\": \"hi", Encoding.UTF8, "application/json"));
        var problem = await AssertProblemAsync(brokenJson, HttpStatusCode.BadRequest, cookie);
        Assert.Contains("JSON", problem.Str("detail"), StringComparison.Ordinal);

        var badLimit = await user.Http.GetAsync("/api/jobs?limit=abc");
        problem = await AssertProblemAsync(badLimit, HttpStatusCode.BadRequest, cookie);
        Assert.Contains("limit", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Contains("abc", problem.Str("detail"), StringComparison.Ordinal);

        var numericTitle = await user.Http.PatchAsync($"/api/conversations/{Guid.NewGuid()}", JsonContent.Create(new { title = 5 }));
        problem = await AssertProblemAsync(numericTitle, HttpStatusCode.BadRequest, cookie);
        Assert.Contains("$.title", problem.Str("detail"), StringComparison.Ordinal);

        var notJson = await user.Http.PostAsync("/api/chat", new StringContent("hello", Encoding.UTF8, "text/plain"));
        problem = await AssertProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType, cookie);
        Assert.Contains("application/json", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_404_and_405_answers_get_a_problem_body()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var cookie = user.Cookies.GetCookies(stack.Gateway)[".TaskFlow.Auth"]!.Value;

        // ChatSocket: a route constraint that does not match, a method the path does not take; Web: a page that does not exist.
        var problem = await AssertProblemAsync(await user.Http.GetAsync("/api/conversations/not-a-uuid"), HttpStatusCode.NotFound, cookie);
        Assert.Contains("/api/conversations/not-a-uuid", problem.Str("detail"), StringComparison.Ordinal);
        problem = await AssertProblemAsync(await user.Http.DeleteAsync("/api/chat"), HttpStatusCode.MethodNotAllowed, cookie);
        Assert.Contains("DELETE", problem.Str("detail"), StringComparison.Ordinal);
        await AssertProblemAsync(await user.Http.GetAsync("/no-such-page"), HttpStatusCode.NotFound, cookie);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string cookie)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(cookie, body, StringComparison.Ordinal);
        Assert.DoesNotContain(".TaskFlow.Auth", body, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.Str("detail")), body);
        return problem;
    }
}
