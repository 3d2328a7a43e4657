using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace TaskFlow.Tests.Errors;

/// <summary>
/// A store that is away (Redis restarting, PostgreSQL failing over) is a 503 with Retry-After that says to try again,
/// not a 500 that reads like a bug: checked on the services' own error pipeline, in a small app of its own.
/// </summary>
public sealed class DependencyOutageTests
{
    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public async Task A_store_that_is_away_answers_503_with_retry_after_and_no_internals(string store)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddProblemResponses();
        await using var app = builder.Build();
        app.UseProblemResponses();
        app.MapGet("/needs-a-store", string () => store == "redis"
            ? throw new RedisConnectionException(ConnectionFailureType.SocketFailure, "No connection is active/available to service this operation")
            : throw new Npgsql.NpgsqlException("Failed to connect to 127.0.0.1:5432"));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        using var response = await http.GetAsync("/needs-a-store");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("try again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var body = problem.ToString();
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("5432", body, StringComparison.Ordinal);
        await app.StopAsync();
    }
}
