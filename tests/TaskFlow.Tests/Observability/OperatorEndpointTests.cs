using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>
/// Only the gateway is public: its metrics and health details answer on the operator's management port, not to the
/// internet, while the load balancer's liveness probe still does.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OperatorEndpointTests(TaskFlowStack stack)
{
    [Fact]
    public async Task The_public_gateway_serves_liveness_but_not_metrics_or_health_details()
    {
        using var http = new HttpClient { BaseAddress = stack.Gateway };
        foreach (var path in new[] { "/metrics", "/health", "/metrics/", "/health/" })
        {
            var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} on the public port: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("# TYPE", body, StringComparison.Ordinal);
            Assert.DoesNotContain("checks", body, StringComparison.Ordinal);
        }

        // The port is the connection's, not the Host header's: naming the management port does not open it.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        spoofed.Headers.Host = new Uri(stack.Services.Gateway.OperatorUrl).Authority;
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(spoofed)).StatusCode);

        var alive = await http.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.True((await alive.Content.ReadAsByteArrayAsync()).Length < 200);
    }

    [Fact]
    public async Task The_management_port_serves_the_gateways_metrics_and_health()
    {
        Assert.NotEqual(stack.Services.Gateway.Url, stack.Services.Gateway.OperatorUrl);
        using var http = new HttpClient { BaseAddress = new Uri(stack.Services.Gateway.OperatorUrl) };
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("service_name=\"gateway\"", metrics, StringComparison.Ordinal);
        var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"checks\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The checks the Aspire client integrations register (named by them: the Redis client, each DbContext) are part of
    /// each service's /health, so a service is ready only while the stores it uses answer.
    /// </summary>
    [Theory]
    [InlineData(ServiceNames.Web, "IdentityDb")]
    [InlineData(ServiceNames.ChatSocket, "ChatDbContext")]
    [InlineData(ServiceNames.InferenceWorker, null)]
    [InlineData(ServiceNames.Telemetry, "TelemetryDbContext")]
    public async Task Each_services_health_reports_its_redis_and_database_clients(string service, string? databaseCheck)
    {
        using var http = new HttpClient();
        var health = await http.GetFromJsonAsync<JsonElement>(new Uri(new Uri(stack.Services[service].OperatorUrl), "/health"));

        var checks = health.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("StackExchange.Redis").GetProperty("status").GetString());
        if (databaseCheck is not null)
        {
            Assert.Equal("Healthy", checks.GetProperty(databaseCheck).GetProperty("status").GetString());
        }
        else
        {
            Assert.DoesNotContain(checks.EnumerateObject(), check => check.Name.EndsWith("Context", StringComparison.Ordinal) || check.Name == "IdentityDb");
        }
    }
}
