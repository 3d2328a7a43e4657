using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Xunit.Abstractions;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The real AppHost, started by Aspire.Hosting.Testing in executable mode (what `dotnet run --project
/// src/TaskFlow.AppHost` does on a machine without a container runtime): every resource turns healthy, the services
/// get the contract's connection strings, the gateway answers, and stopping it leaves no server behind.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class AppHostExecutableModeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_resource_turns_healthy_and_the_gateway_serves_the_sign_up_page()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var appHost = await RunningAppHost.StartAsync([], output.WriteLine, ct);
        await using (appHost)
        {
            var app = appHost.App;

            // The dashboard says where the servers come from.
            foreach (var name in new[] { "redis", "postgres", "messaging" })
            {
                var shown = await app.ResourceNotifications.WaitForResourceAsync(
                    name, e => e.Snapshot.Properties.Any(p => p.Name == "TaskFlow infrastructure"), ct);
                var mode = shown.Snapshot.Properties.Single(p => p.Name == "TaskFlow infrastructure").Value?.ToString();
                Assert.StartsWith("Executables", mode, StringComparison.Ordinal);
            }

            // The contract's shapes (docs/configuration.md), exactly as Aspire's containers would give them.
            Assert.Matches(RedisShape(), await app.GetConnectionStringAsync("redis", ct));
            Assert.Matches(DatabaseShape(), await app.GetConnectionStringAsync("taskflowdb", ct));
            Assert.Matches(MessagingShape(), await app.GetConnectionStringAsync("messaging", ct));

            using var gateway = app.CreateHttpClient("gateway");
            var alive = await gateway.GetAsync(new Uri("/alive", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Contains("Healthy", await alive.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            var signUp = await gateway.GetAsync(new Uri("/Account/Register", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, signUp.StatusCode);
            Assert.Contains("Create an account", await signUp.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            // Health details are for the operator: only on the gateway's management endpoint.
            Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync(new Uri("/health", UriKind.Relative), ct)).StatusCode);
            using var management = app.CreateHttpClient("gateway", "management");
            Assert.Equal(HttpStatusCode.OK, (await management.GetAsync(new Uri("/health", UriKind.Relative), ct)).StatusCode);
        }

        // Redis, PostgreSQL, RabbitMQ and epmd all ran in the data folder; none may outlive the AppHost.
        Assert.Empty(await appHost.LeftoverProcessesAsync());
    }

    [GeneratedRegex(@"^localhost:\d+,password=[A-Za-z0-9]+$")]
    private static partial Regex RedisShape();

    [GeneratedRegex(@"^Host=localhost;Port=\d+;Username=postgres;Password=[A-Za-z0-9]+;Database=taskflowdb$")]
    private static partial Regex DatabaseShape();

    [GeneratedRegex(@"^amqp://guest:[A-Za-z0-9%]+@localhost:\d+$")]
    private static partial Regex MessagingShape();
}
