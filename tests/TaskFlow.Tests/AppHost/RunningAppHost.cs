using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The real AppHost started by Aspire.Hosting.Testing in executable mode (what <c>dotnet run --project
/// src/TaskFlow.AppHost</c> does on a machine without a container runtime), its servers' data in a throw-away folder.
/// Disposing stops it and deletes the folder; <see cref="LeftoverProcessesAsync"/> says whether anything outlived it.
/// </summary>
public sealed class RunningAppHost : IAsyncDisposable
{
    private readonly bool _ownsData;

    private RunningAppHost(DistributedApplication app, string dataDirectory, bool ownsData)
    {
        App = app;
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
    }

    public DistributedApplication App { get; }

    /// <summary>Where Redis, PostgreSQL and RabbitMQ keep their data for this run.</summary>
    public string DataDirectory { get; }

    /// <summary>The gateway's public address.</summary>
    public Uri Gateway => App.GetEndpoint("gateway", "http");

    /// <summary>A new folder for servers' data that the caller deletes (<see cref="StartAsync"/> with it keeps it).</summary>
    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "taskflow-apphost-" + Guid.NewGuid().ToString("N")[..12]);

    /// <param name="arguments">AppHost configuration on top of executable mode and the data folder, e.g. <c>--Inference:MaxConcurrentJobs=20</c>.</param>
    /// <param name="dataDirectory">The servers' data from an earlier run, kept after this one; null: a new folder, deleted after.</param>
    /// <param name="waitHealthy">False: return once started, without waiting for any resource to turn healthy.</param>
    public static async Task<RunningAppHost> StartAsync(
        IEnumerable<string> arguments, Action<string> log, CancellationToken ct, string? dataDirectory = null, bool waitHealthy = true)
    {
        var ownsData = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        var clock = Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.TaskFlow_AppHost>(
            ["--TaskFlow:Infrastructure=Executables", $"--TaskFlow:DataDirectory={dataDirectory}", .. arguments], ct);
        // Health checks fail, as they should, until each resource has started: not worth a stack trace each.
        builder.Services.AddLogging(logging => logging
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
            // The AppHost's own decisions (a crashed service started again, what start-up waits for) belong in the test's output.
            .AddProvider(new TestOutputLoggerProvider(
                category => category == "TaskFlow" || category.StartsWith("TaskFlow.AppHost.Supervision", StringComparison.Ordinal), log)));
        var app = await builder.BuildAsync(ct);
        var running = new RunningAppHost(app, dataDirectory, ownsData);
        try
        {
            using var gate = await StartGate.EnterAsync(order: 0, ct);
            if (!waitHealthy)
            {
                // Aspire's start returns only once every resource has started, i.e. after their dependencies are healthy.
                _ = app.StartAsync(ct);
                return running;
            }

            await app.StartAsync(ct);
            log($"started: {clock.Elapsed.TotalSeconds:0.0} s");
            foreach (var name in ServiceNames.Infrastructure.Concat(ServiceNames.All))
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
                log($"{name} healthy: {clock.Elapsed.TotalSeconds:0.0} s");
            }
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        if (!_ownsData)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A left-over process still writing; LeftoverProcessesAsync reports it.
        }
    }

    /// <summary>Live processes whose working folder or command line is under the data folder (zombies are gone already).</summary>
    public async Task<List<string>> LeftoverProcessesAsync()
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
                    if (state != "Z" && (cwd.StartsWith(DataDirectory, StringComparison.Ordinal) || command.Contains(DataDirectory, StringComparison.Ordinal)))
                    {
                        found.Add($"{Path.GetFileName(proc)}: {command}");
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile.
                }
            }

            // Up to 30 s: PostgreSQL's checkpoint at a fast shutdown took longer than 5 s on a slow, busy machine.
            if (found.Count == 0 || attempt >= 120)
            {
                return found;
            }

            await Task.Delay(250);
        }
    }
}

/// <summary>
/// Writes the log lines of the categories <paramref name="wanted"/> picks to a test's output (not the resources'
/// consoles, <c>TaskFlow.AppHost.Resources.*</c>, which would bury the test's own lines).
/// </summary>
internal sealed class TestOutputLoggerProvider(Func<string, bool> wanted, Action<string> write) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) =>
        wanted(categoryName) ? new Logger(categoryName, write) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, Action<string> write) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                write($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test is over: nobody reads its output any more.
            }
        }
    }
}
