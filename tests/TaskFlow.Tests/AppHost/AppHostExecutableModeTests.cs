using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The real AppHost, started by Aspire.Hosting.Testing in executable mode (what `dotnet run --project
/// src/TaskFlow.AppHost` does on a machine without a container runtime): every resource turns healthy, the services
/// get the contract's connection strings, the gateway answers, and stopping it leaves no server behind.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class AppHostExecutableModeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_infrastructure = ["redis", "postgres", "taskflowdb", "messaging-epmd", "messaging"];
    private static readonly string[] s_services = ["web", "chatsocket", "inferenceworker", "telemetry", "gateway"];

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "taskflow-apphost-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Every_resource_turns_healthy_and_the_gateway_serves_the_sign_up_page()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.TaskFlow_AppHost>(
            ["--TaskFlow:Infrastructure=Executables", $"--TaskFlow:DataDirectory={_dataDirectory}"], ct);
        // Health checks fail, as they should, until each resource has started: not worth a stack trace each.
        appHost.Services.AddLogging(logging => logging
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        var app = await appHost.BuildAsync(ct);
        try
        {
            await app.StartAsync(ct);
            output.WriteLine($"started: {clock.Elapsed.TotalSeconds:0.0} s");

            foreach (var name in s_infrastructure.Concat(s_services))
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
                output.WriteLine($"{name} healthy: {clock.Elapsed.TotalSeconds:0.0} s");
            }

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
            output.WriteLine($"gateway answered: {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            var stopping = Stopwatch.StartNew();
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            output.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s");
        }

        // Redis, PostgreSQL, RabbitMQ and epmd all ran in the data folder; none may outlive the AppHost.
        Assert.Empty(await ProcessesStillInAsync(_dataDirectory));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A left-over process still writing; the assertion above reports it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Live processes whose working folder or command line is under <paramref name="directory"/> (zombies are gone already).</summary>
    private static async Task<List<string>> ProcessesStillInAsync(string directory)
    {
        // A stopped process can take a moment to be reaped.
        for (var attempt = 0; ; attempt++)
        {
            var found = new List<string>();
            foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
            {
                try
                {
                    var state = File.ReadAllText(Path.Combine(proc, "stat")).Split(' ')[2];
                    var cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).ResolveLinkTarget(returnFinalTarget: false)?.FullName ?? "";
                    var command = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                    if (state != "Z" && (cwd.StartsWith(directory, StringComparison.Ordinal) || command.Contains(directory, StringComparison.Ordinal)))
                    {
                        found.Add($"{Path.GetFileName(proc)}: {command}");
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile.
                }
            }

            if (found.Count == 0 || attempt >= 20)
            {
                return found;
            }

            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"^localhost:\d+,password=[A-Za-z0-9]+$")]
    private static partial Regex RedisShape();

    [GeneratedRegex(@"^Host=localhost;Port=\d+;Username=postgres;Password=[A-Za-z0-9]+;Database=taskflowdb$")]
    private static partial Regex DatabaseShape();

    [GeneratedRegex(@"^amqp://guest:[A-Za-z0-9%]+@localhost:\d+$")]
    private static partial Regex MessagingShape();
}
