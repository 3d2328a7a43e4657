using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The built AppHost run as <c>./run.sh</c> runs it (<c>dotnet TaskFlow.AppHost.dll</c> from its project folder, the
/// dashboard over plain http), on free ports and a throw-away data folder, so it collides with no other TaskFlow on the
/// machine. <see cref="StartAsync"/> returns once the AppHost's banner has said where the chat and the dashboard are.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly int _pid;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<(Uri Chat, Uri DashboardLogin)> _banner = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _chatLine;

    private AppHostProcess(Process process, string marker, string dataDirectory)
    {
        _process = process;
        _pid = process.Id;
        Marker = marker;
        DataDirectory = dataDirectory;
    }

    /// <summary>Set in the AppHost's environment, so that a process of its own that left its tree is still found.</summary>
    public string Marker { get; }

    public string DataDirectory { get; }

    public Uri Chat { get; private set; } = null!;

    /// <summary>The dashboard's login link with its token, as printed for the user.</summary>
    public Uri DashboardLogin { get; private set; } = null!;

    public Uri Dashboard => new(DashboardLogin.GetLeftPart(UriPartial.Authority));

    /// <summary>Everything the AppHost printed so far (for a failure's message).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>src/TaskFlow.AppHost: the generated metadata names the project's folder (Aspire 13.6) or its .csproj.</summary>
    public static string ProjectDirectory { get; } = Directory.Exists(Projects.TaskFlow_AppHost.ProjectPath)
        ? Projects.TaskFlow_AppHost.ProjectPath
        : Path.GetDirectoryName(Projects.TaskFlow_AppHost.ProjectPath)!;

    /// <summary>The AppHost as ./run.sh runs it: built in Release (the test project references it, so it is).</summary>
    public static string BuiltDll()
    {
        var dll = Path.Combine(ProjectDirectory, "bin", "Release", "net10.0", "TaskFlow.AppHost.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the AppHost (Release) first.");
        return dll;
    }

    /// <param name="timeout">For the start itself, counted once no other AppHost is starting (<see cref="StartGate"/>).</param>
    public static async Task<AppHostProcess> StartAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var dll = BuiltDll();
        using var gate = await StartGate.EnterAsync(order: 0, CancellationToken.None);

        var marker = "taskflow-apphost-test-" + Guid.NewGuid().ToString("N")[..12];
        var dataDirectory = Path.Combine(Path.GetTempPath(), marker);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--TaskFlow:Infrastructure=Executables");
        start.ArgumentList.Add($"--TaskFlow:DataDirectory={dataDirectory}");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // What run.sh sets, on ports nobody else uses.
        var dashboardPort = FreePort();
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{dashboardPort}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
        start.Environment["ASPIRE_DASHBOARD_MCP_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["TASKFLOW_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TASKFLOW_MANAGEMENT_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TASKFLOW_APPHOST_TEST"] = marker;

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var appHost = new AppHostProcess(process, marker, dataDirectory);
        process.OutputDataReceived += (_, e) => appHost.Read(e.Data);
        process.ErrorDataReceived += (_, e) => appHost.Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(
            _ => appHost._banner.TrySetException(new InvalidOperationException($"The AppHost exited ({process.ExitCode}) before it was ready:\n{appHost.Output}")),
            TaskScheduler.Default);

        try
        {
            (appHost.Chat, appHost.DashboardLogin) = await appHost._banner.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await appHost.DisposeAsync();
            throw new TimeoutException($"The AppHost did not say it was running within {timeout.TotalSeconds:0} s:\n{appHost.Output}");
        }

        return appHost;
    }

    /// <summary>The banner: "Chat: http://…/" then "Dashboard: http://…/login?t=…" (see LocalRunExtensions.Announce).</summary>
    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (ChatLine().Match(line) is { Success: true } chat)
        {
            _chatLine = chat.Groups[1].Value;
        }
        else if (DashboardLine().Match(line) is { Success: true } dashboard && _chatLine is not null)
        {
            _banner.TrySetResult((new Uri(_chatLine), new Uri(dashboard.Groups[1].Value)));
        }
    }

    /// <summary>SIGTERM, as Ctrl-C in a background job or `kill` would send: the AppHost then has DCP stop everything.</summary>
    public async ValueTask DisposeAsync()
    {
        await TaskFlow.Benchmark.AppHostStop.TerminateAsync(_process, _pid, TimeSpan.FromSeconds(60));
        _process.Dispose();
    }

    /// <summary>
    /// The live processes of this AppHost: itself and its descendants (DCP, the dashboard, the servers, the services),
    /// and any that left the tree but carry its marker or run in its data folder (a daemonized server would).
    /// </summary>
    public IReadOnlyList<RunningProcess> Processes()
    {
        var all = new List<(RunningProcess Process, int Parent, string Environment, string Cwd)>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid))
            {
                continue;
            }

            try
            {
                // The command name is in parentheses and may hold spaces: the fields after it are fixed.
                var stat = File.ReadAllText(Path.Combine(proc, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] == "Z")
                {
                    continue;
                }

                var command = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ').Trim();
                var cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).ResolveLinkTarget(returnFinalTarget: false)?.FullName ?? "";
                all.Add((new RunningProcess(pid, fields[19], command), int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
                    File.ReadAllText(Path.Combine(proc, "environ")), cwd));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        var ours = new HashSet<int> { _pid };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (process, parent, _, _) in all)
            {
                grew |= ours.Contains(parent) && ours.Add(process.Pid);
            }
        }

        return [.. all.Where(p => ours.Contains(p.Process.Pid)
                || p.Environment.Split('\0').Contains("TASKFLOW_APPHOST_TEST=" + Marker)
                || p.Cwd.StartsWith(DataDirectory, StringComparison.Ordinal)
                || p.Process.Command.Contains(DataDirectory, StringComparison.Ordinal))
            .Select(p => p.Process)];
    }

    /// <summary>
    /// Which of <paramref name="started"/> (and of any found now by <see cref="Processes"/>) still run, once they have
    /// had time to stop: DCP stops the resources a moment after the AppHost exits.
    /// </summary>
    public async Task<List<RunningProcess>> ProcessesLeftAsync(IReadOnlyList<RunningProcess> started)
    {
        for (var attempt = 0; ; attempt++)
        {
            var left = started.Where(p => p.IsAlive()).Union(Processes()).ToList();
            if (left.Count == 0 || attempt >= 120)
            {
                return left;
            }

            await Task.Delay(250);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Chat:\s+(http://\S+)")]
    private static partial Regex ChatLine();

    [GeneratedRegex(@"Dashboard:\s+(http://\S+/login\?t=\S+)")]
    private static partial Regex DashboardLine();
}

/// <summary>A process, told apart from a later one with the same pid by its start time.</summary>
public sealed record RunningProcess(int Pid, string StartTime, string Command)
{
    public bool IsAlive()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] != "Z" && fields[19] == StartTime;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public override string ToString() => $"{Pid}: {Command}";
}
