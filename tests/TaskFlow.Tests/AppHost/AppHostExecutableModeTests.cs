using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using TaskFlow.Tests.Support;
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
    /// <summary>
    /// One test, three starts on one data folder (each start costs ~40 s): the first checks the whole AppHost, the second
    /// that the servers' data and passwords go together, the third that a refused login is reported while starting.
    /// </summary>
    [Fact]
    public async Task Every_resource_turns_healthy_the_data_opens_again_on_the_next_start_and_a_refused_login_is_reported()
    {
        // Three starts, each perhaps behind another AppHost's (StartGate).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(9));
        var ct = timeout.Token;
        var data = RunningAppHost.NewDataDirectory();
        try
        {
            string userName;
            var appHost = await RunningAppHost.StartAsync([], output.WriteLine, ct, data);
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

                using var user = await TestUser.SignUpAsync(appHost.Gateway);
                userName = user.UserName;
            }

            // Redis, PostgreSQL, RabbitMQ and epmd all ran in the data folder; none may outlive the AppHost.
            Assert.Empty(await appHost.LeftoverProcessesAsync());

            // Each server's password went into its data folder with its data.
            foreach (var server in new[] { "redis", "postgres", "messaging" })
            {
                var file = new FileInfo(Path.Combine(data, server, "password"));
                Assert.True(file.Exists, $"{server} keeps its password next to its data");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, file.UnixFileMode);
            }

            // Other passwords configured (user secrets cleared and generated again): the data's own still open it, and
            // what was stored is there.
            string[] otherSecrets = ["--Parameters:redis-password=Other1", "--Parameters:postgres-password=Other2", "--Parameters:messaging-password=Other3"];
            var second = await RunningAppHost.StartAsync(otherSecrets, output.WriteLine, ct, data);
            await using (second)
            {
                using var again = await TestUser.SignInAsync(second.Gateway, userName);
                Assert.DoesNotContain("Other2", await second.App.GetConnectionStringAsync("taskflowdb", ct), StringComparison.Ordinal);
            }

            // A password file that does not open the data (copied from elsewhere): start-up says which server refuses
            // the login and what to read, instead of waiting in silence.
            await File.WriteAllTextAsync(Path.Combine(data, "postgres", "password"), "NotThePassword\n", ct);
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            // Every 5 s rather than 30: the first lines may come before postgres has refused anyone.
            var third = await RunningAppHost.StartAsync(["--TaskFlow:StartupProgressInterval=00:00:05"],
                line => { lines.Enqueue(line); output.WriteLine(line); }, ct, data, waitHealthy: false);
            await using (third)
            {
                static bool Refused(string line) => line.Contains("still starting", StringComparison.Ordinal) && line.Contains("28P01", StringComparison.Ordinal);
                await Eventually.TrueAsync(() => lines.Any(Refused), TimeSpan.FromSeconds(60), "a progress line naming the refused login within 60 s");
                var report = lines.First(Refused);
                Assert.Contains("postgres: Running, not healthy: 28P01: password authentication failed", report, StringComparison.Ordinal);
                Assert.Contains("waiting for them: taskflowdb, web, chatsocket", report, StringComparison.Ordinal);
                Assert.Contains("Data and passwords", report, StringComparison.Ordinal);
            }

            // Stopped while its services still wait: nothing it started may be left.
            Assert.Empty(await third.LeftoverProcessesAsync());
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [GeneratedRegex(@"^localhost:\d+,password=[A-Za-z0-9]+$")]
    private static partial Regex RedisShape();

    [GeneratedRegex(@"^Host=localhost;Port=\d+;Username=postgres;Password=[A-Za-z0-9]+;Database=taskflowdb$")]
    private static partial Regex DatabaseShape();

    [GeneratedRegex(@"^amqp://guest:[A-Za-z0-9%]+@localhost:\d+$")]
    private static partial Regex MessagingShape();
}
