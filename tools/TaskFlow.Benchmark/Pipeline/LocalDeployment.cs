using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// TaskFlow started for the benchmark with <c>./run.sh</c> (the AppHost, as an operator runs it), on its own ports and
/// data folder, pointed at the benchmark's model server. Stopped (SIGTERM, as Ctrl-C does) when disposed.
/// </summary>
public sealed class LocalDeployment : IAsyncDisposable
{
    /// <summary>Port of the benchmark's gateway, away from a TaskFlow the operator may run on 5100.</summary>
    public const int GatewayPort = 5300;

    private readonly Process _process;

    private LocalDeployment(Process process, string log, IReadOnlyDictionary<string, string> settings)
    {
        _process = process;
        Log = log;
        Settings = settings;
    }

    public Uri Gateway { get; } = new($"http://localhost:{GatewayPort}");

    public string Log { get; }

    /// <summary>What the benchmark changes from the production defaults, printed with the results.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The most jobs one worker process may run at once (InferenceOptions' bound).</summary>
    private const int MaxJobsPerWorker = 256;

    /// <param name="concurrency">The most jobs the workers run at once, together (at least 200).</param>
    private static Dictionary<string, string> SettingsFor(int concurrency)
    {
        concurrency = Math.Max(200, concurrency);
        var workers = (concurrency + MaxJobsPerWorker - 1) / MaxJobsPerWorker;
        var settings = new Dictionary<string, string>
        {
            // By default the workers take every job at once: the queue never holds a job back, so only the pipeline is
            // measured. With fewer slots (--job-slots) the excess waits in the queue, as under overload.
            ["Inference__MaxConcurrentJobs"] = ((concurrency + workers - 1) / workers).ToString(CultureInfo.InvariantCulture),
            // Effectively off (the default, 10 calls a minute, protects a paid API, not a benchmark's own server).
            ["Inference__RateLimitPerMinute"] = "1000000",
            // Each simulated person sends turns back to back, faster than the flood guard lets a real one.
            ["Chat__FloodLimit"] = "10000",
            // The idle-socket step opens many sockets per benchmark user.
            ["Chat__MaxSocketsPerUser"] = "10000",
            ["Chat__MaxOpenJobsPerUser"] = "1000",
        };
        if (workers > 1)
        {
            settings["TASKFLOW_REPLICAS"] = string.Create(CultureInfo.InvariantCulture, $"inferenceworker={workers}");
        }
        return settings;
    }

    /// <param name="concurrency">The most jobs the workers run at once, together.</param>
    public static async Task<LocalDeployment> StartAsync(PacedModelServer model, int concurrency, CancellationToken cancellationToken)
    {
        var settings = SettingsFor(concurrency);
        var root = RepositoryRoot();
        var log = Path.Combine(root, ".local", "benchmark-apphost.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "run.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TASKFLOW_PORT"] = GatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["TASKFLOW_DASHBOARD_PORT"] = "15380";
        start.Environment["TASKFLOW_CHAT"] = model.OllamaConnectionString;
        // Every run starts from empty servers: what earlier runs stored (thousands of users, conversations and logs)
        // made a later run measurably slower, so runs on one data folder did not compare.
        var data = Path.Combine(root, ".local", "benchmark");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
        start.Environment["TaskFlow__DataDirectory"] = data;
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        Console.WriteLine($"  starting TaskFlow with ./run.sh on port {GatewayPort} (build included; log: {log})");
        var process = Process.Start(start) ?? throw new InvalidOperationException("./run.sh did not start.");
        var writer = new StreamWriter(log) { AutoFlush = true };
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (writer)
            {
                writer.WriteLine(line);
            }
            // The AppHost's own word on a slow or failing start (a service that exits, one not healthy) is worth seeing.
            if (line.Contains("still starting", StringComparison.Ordinal) || line.Contains("not healthy", StringComparison.Ordinal)
                || line.Contains("exited on its own", StringComparison.Ordinal))
            {
                Console.WriteLine($"    [TaskFlow] {line.Trim()}");
            }
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deployment = new LocalDeployment(process, log, settings);
        try
        {
            await deployment.WaitUntilServingAsync(cancellationToken);
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
        return deployment;
    }

    private async Task WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(10))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"./run.sh exited with code {_process.ExitCode}; see {Log}.");
            }
            try
            {
                using var response = await http.GetAsync(AccountForms.Register, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Console.WriteLine($"  TaskFlow answers after {waited.Elapsed.TotalSeconds:0} s");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Still building or starting.
            }
            if ((int)waited.Elapsed.TotalSeconds % 15 == 0)
            {
                Console.WriteLine($"  waiting for TaskFlow ({waited.Elapsed.TotalSeconds:0} s)");
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        throw new TimeoutException($"TaskFlow did not answer at {Gateway} within 10 minutes; see {Log}.");
    }

    /// <summary>The folder holding <c>run.sh</c>: the benchmark runs from the repository, as its docs say.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "run.sh")) && File.Exists(Path.Combine(dir.FullName, "TaskFlow.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("Run the benchmark from the TaskFlow repository (run.sh was not found), or pass --gateway.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Console.WriteLine("  stopping TaskFlow");
            // run.sh execs the AppHost: its pid is the AppHost's.
            await AppHostStop.TerminateAsync(_process, _process.Id, TimeSpan.FromSeconds(60));
        }
        _process.Dispose();
    }
}
