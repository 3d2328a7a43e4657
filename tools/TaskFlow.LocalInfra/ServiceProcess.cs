using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace TaskFlow.LocalInfra;

/// <summary>How to launch one TaskFlow service.</summary>
public sealed record ServiceProcessOptions
{
    /// <summary>Process name: the contract name (gateway, web, chatsocket, inferenceworker, telemetry), or chatsocket-2… for a replica.</summary>
    public required string Name { get; init; }

    /// <summary>The contract name, OTEL_SERVICE_NAME; a replica's <see cref="Name"/> becomes its service.instance.id.</summary>
    public string? ServiceName { get; init; }

    /// <summary>Project (and assembly) name, e.g. TaskFlow.Gateway.</summary>
    public required string ProjectName { get; init; }

    /// <summary>Port for ASPNETCORE_URLS=http://127.0.0.1:PORT; 0 picks a free one (kept across restarts).</summary>
    public int Port { get; init; }

    /// <summary>Configuration for the service (ConnectionStrings__*, services__*__http__0, ...), added to this process's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Where stdout/stderr are appended; default a file under the temp folder.</summary>
    public string? LogFile { get; init; }

    /// <summary>ASPNETCORE_ENVIRONMENT: Production, so errors look as users see them (no stack traces).</summary>
    public string EnvironmentName { get; init; } = "Production";

    /// <summary>Repository root; default <see cref="RepoLayout.FindRoot"/>.</summary>
    public string? RepoRoot { get; init; }

    /// <summary>Build configuration of the service to run; default <see cref="RepoLayout.BuildConfiguration"/>.</summary>
    public string? Configuration { get; init; }

    /// <summary>How long SIGTERM may take before the process tree is killed.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// One TaskFlow service as a child process: <c>dotnet src/TaskFlow.X/bin/CONFIG/net10.0/TaskFlow.X.dll</c> with the
/// project folder as working directory (so the content root and wwwroot resolve), in its own session, output appended to a log.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ServiceProcessOptions _options;
    private readonly string _assembly;
    private readonly string _projectDirectory;
    private ManagedProcess? _process;
    private bool _disposed;
    private long _logStart;

    private ServiceProcess(ServiceProcessOptions options, string assembly, string projectDirectory, int port)
    {
        _options = options;
        _assembly = assembly;
        _projectDirectory = projectDirectory;
        Port = port;
        LogFile = Path.GetFullPath(options.LogFile
            ?? Path.Combine(Path.GetTempPath(), "taskflow-services", $"{options.Name}-{port.ToString(CultureInfo.InvariantCulture)}.log"));
        var env = new Dictionary<string, string>(options.Environment)
        {
            ["ASPNETCORE_URLS"] = Url,
            ["ASPNETCORE_ENVIRONMENT"] = options.EnvironmentName,
            ["OTEL_SERVICE_NAME"] = options.ServiceName ?? options.Name,
        };
        if (options.ServiceName is { } service && service != options.Name)
        {
            env["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={options.Name}";
        }
        Environment = env;
    }

    public string Name => _options.Name;

    public string ProjectName => _options.ProjectName;

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> (no trailing slash).</summary>
    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Where the operator's endpoints (/metrics, /health) answer: the management port when the service has one (the
    /// gateway), else <see cref="Url"/>.
    /// </summary>
    public string OperatorUrl => Environment.TryGetValue(TaskFlowTopology.ManagementPortVariable, out var port)
        ? $"http://127.0.0.1:{port}"
        : Url;

    public string LogFile { get; }

    /// <summary>The variables set for the service on top of the inherited environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public int? ProcessId => _process?.Pid;

    public bool HasExited => _process is null || _process.HasExited;

    public int? ExitCode => _process?.ExitCode;

    /// <summary>How long the last <see cref="WaitHealthyAsync"/> took from the start of the process.</summary>
    public TimeSpan StartDuration { get; private set; }

    private Stopwatch StartClock { get; set; } = new();

    /// <summary>Launches the service (does not wait for it: call <see cref="WaitHealthyAsync"/>).</summary>
    public static ServiceProcess Start(ServiceProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = options.RepoRoot ?? RepoLayout.FindRoot();
        var configuration = options.Configuration ?? RepoLayout.BuildConfiguration;
        var assembly = RepoLayout.ServiceAssembly(root, options.ProjectName, configuration);
        if (!File.Exists(assembly))
        {
            throw new InfraException(
                $"{options.ProjectName} is not built: {assembly} is missing. Build it first: `dotnet build src/{options.ProjectName} -c {configuration}` " +
                "(building tests/TaskFlow.Tests builds every service).");
        }

        var port = options.Port > 0 ? options.Port : FreePort.Get();
        var service = new ServiceProcess(options, assembly, RepoLayout.ProjectDirectory(root, options.ProjectName), port);
        service.Launch();
        return service;
    }

    /// <summary>
    /// Polls <c>GET /health</c> (on <see cref="OperatorUrl"/>) until it answers 200. Throws <see cref="InfraException"/> with the log tail when the
    /// process exits or the timeout passes.
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer yet";
        var healthUrl = new Uri(OperatorUrl + "/health");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var process = _process ?? throw new InfraException($"{Name} is not running.");
            if (process.HasExited)
            {
                throw new InfraException($"{Name} exited with code {process.ExitCode} before it was healthy.\n{LogTailBlock()}");
            }

            try
            {
                using var response = await s_http.GetAsync(healthUrl, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    StartDuration = StartClock.Elapsed;
                    return;
                }

                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                last = $"{(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "request timed out";
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InfraException($"{Name} did not become healthy at {healthUrl} within {timeout.TotalSeconds:0} s (last answer: {last}).\n{LogTailBlock()}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>SIGTERM (graceful host shutdown), then kill the process tree after <see cref="ServiceProcessOptions.StopTimeout"/>.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_process is not null)
            {
                await _process.StopAsync(Posix.SigTerm, _options.StopTimeout);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Kills the service's process tree at once (a crash).</summary>
    public async Task KillAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_process is not null)
            {
                await _process.KillAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the service (if running) and launches it again on the same port with the same environment. Call <see cref="WaitHealthyAsync"/> next.</summary>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync();
        try
        {
            if (_process is not null)
            {
                await _process.StopAsync(Posix.SigTerm, _options.StopTimeout);
            }

            if (!await FreePort.WaitFreeAsync(Port, TimeSpan.FromSeconds(10)))
            {
                throw new InfraException($"{Name} cannot restart: port {Port} is still in use.");
            }

            Launch();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Completes when the current process exits.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) =>
        _process?.WaitForExitAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>The last <paramref name="lines"/> lines the current process wrote to its log.</summary>
    private string ReadLogTail(int lines = 40) => ManagedProcess.ReadTail(LogFile, lines, _logStart);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync();
        _disposed = true;
        _process?.Dispose();
        _gate.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} at {Url}";

    private string LogTailBlock() => $"--- last lines of {LogFile} ---\n{ReadLogTail()}\n---";

    private void Launch()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        // Contract parity: a service sees only the connection strings and service URLs it was given, not ones
        // that happen to be in the caller's environment.
        foreach (var key in System.Environment.GetEnvironmentVariables().Keys.OfType<string>())
        {
            if (key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("services__", StringComparison.OrdinalIgnoreCase))
            {
                env[key] = null;
            }
        }

        foreach (var (key, value) in Environment)
        {
            env[key] = value;
        }

        foreach (var (key, value) in new Dictionary<string, string?>
        {
            // ASPNETCORE_URLS decides; inherited port settings would only add warnings.
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
            ["HTTP_PORTS"] = null,
            ["HTTPS_PORTS"] = null,
            ["DOTNET_NOLOGO"] = "1",
        })
        {
            env[key] = value;
        }

        _process?.Dispose();
        _logStart = ManagedProcess.LogLength(LogFile);
        StartClock = Stopwatch.StartNew();
        _process = ManagedProcess.Start(new ProcessSpec
        {
            FileName = RepoLayout.DotnetHost(),
            Arguments = [_assembly],
            Environment = env,
            WorkingDirectory = _projectDirectory,
            LogFile = LogFile,
        });
    }
}
