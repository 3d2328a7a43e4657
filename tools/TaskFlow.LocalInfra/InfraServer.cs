using System.Diagnostics;

namespace TaskFlow.LocalInfra;

/// <summary>
/// One local server process (Redis, PostgreSQL, RabbitMQ) on a loopback port, with its data in its own folder.
/// Start it with the derived type's static <c>StartAsync(InfraOptions)</c>; it is ready when that returns.
/// </summary>
public abstract class InfraServer : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ManagedProcess? _main;
    private bool _disposed;
    private long _logStart;

    private protected InfraServer(string name, InfraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "Port must be 0 (pick a free one) or a TCP port.");
        }

        Name = name;
        Options = options;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
        LogFile = Path.GetFullPath(options.LogFile ?? Path.Combine(DataDirectory, name.ToLowerInvariant() + ".log"));
        Port = options.Port > 0 ? options.Port : FreePort.Get();
    }

    /// <summary>"Redis", "PostgreSQL" or "RabbitMQ".</summary>
    public string Name { get; }

    /// <summary>Always 127.0.0.1: servers listen on loopback only.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The TCP port; the same after <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    public string DataDirectory { get; }

    public string LogFile { get; }

    public bool Durable => Options.Durable;

    /// <summary>The value for <c>ConnectionStrings__NAME</c>, in the shape the configuration contract gives.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>How long the last start took until the server answered.</summary>
    public TimeSpan StartDuration { get; private set; }

    public bool IsRunning => _main is { HasExited: false };

    /// <summary>Pid of the server process (the last one started), for checks that it is gone.</summary>
    public int? ProcessId => _main?.Pid;

    private protected InfraOptions Options { get; }

    private protected abstract TimeSpan DefaultStartTimeout { get; }

    /// <summary>What to install when the server cannot be found or does not start.</summary>
    private protected abstract string InstallHint { get; }

    private protected virtual TimeSpan ProbeInterval => TimeSpan.FromMilliseconds(100);

    /// <summary>The last <paramref name="lines"/> lines this server (started last) wrote to its log.</summary>
    private string ReadLogTail(int lines = 40) => ManagedProcess.ReadTail(LogFile, lines, _logStart);

    /// <summary>Stops the server cleanly (and waits); data stays. No-op when not running.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopCoreAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the server if it runs (cleanly), then starts it again on the same port with the same data folder and
    /// waits until it answers. Also starts a server that was stopped or killed.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await StopCoreAsync();
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SIGKILL to the server and everything it started: a crash, without a clean shutdown. Start it again with <see cref="RestartAsync"/>.</summary>
    public async Task KillAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await KillHelpersAsync();
            if (_main is not null)
            {
                await _main.KillAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server cleanly (killing its process tree if it does not stop in time) and, for tests, deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            await StopCoreAsync();
            _main?.Dispose();
            ReleaseHelpers();
            if (Options.DeleteDataOnDispose)
            {
                try
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} on {Host}:{Port} ({ConnectionString})";

    /// <summary>Creates folders, configuration, and whatever must exist before the first start (initdb).</summary>
    private protected virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Launches helper processes (epmd) and the server; returns the server process.</summary>
    private protected abstract Task<ManagedProcess> LaunchAsync(CancellationToken cancellationToken);

    /// <summary>True once the server really answers.</summary>
    private protected abstract Task<bool> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>Runs once the server answers (create the database).</summary>
    private protected virtual Task AfterReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the server process cleanly with its own signal.</summary>
    private protected abstract Task StopMainAsync(ManagedProcess main);

    /// <summary>Stops helpers after the server stopped (epmd).</summary>
    private protected virtual Task StopHelpersAsync() => Task.CompletedTask;

    private protected virtual Task KillHelpersAsync() => Task.CompletedTask;

    /// <summary>Releases helper process handles on dispose.</summary>
    private protected virtual void ReleaseHelpers()
    {
    }

    /// <summary>Pid file for a process of this server (reaped by a later run if this one dies).</summary>
    private protected string PidFile(string process) => Path.Combine(DataDirectory, process + StaleProcesses.PidFileSuffix);

    private protected InfraException Failure(string what, Exception? inner = null)
    {
        var message = $"{Name} {what}\n--- last lines of {LogFile} ---\n{ReadLogTail()}\n---\n{InstallHint}";
        return inner is null ? new InfraException(message) : new InfraException(message, inner);
    }

    private protected async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        Directory.CreateDirectory(DataDirectory);
        _logStart = ManagedProcess.LogLength(LogFile);
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "*" + StaleProcesses.PidFileSuffix))
        {
            StaleProcesses.Reap(file);
        }

        if (!await FreePort.WaitFreeAsync(Port, TimeSpan.FromSeconds(2)))
        {
            throw new InfraException($"{Name} cannot start: port {Port} on {Host} is already in use by another program (choose another port, or stop that program).");
        }

        var timeout = Options.StartTimeout ?? DefaultStartTimeout;
        try
        {
            await PrepareAsync(cancellationToken);
            _main?.Dispose();
            _main = await LaunchAsync(cancellationToken);
            var deadline = stopwatch.Elapsed + timeout;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_main.HasExited)
                {
                    throw Failure($"exited with code {_main.ExitCode} before it was ready on {Host}:{Port}.");
                }

                if (await ProbeAsync(cancellationToken))
                {
                    break;
                }

                if (stopwatch.Elapsed > deadline)
                {
                    throw Failure($"did not answer on {Host}:{Port} within {timeout.TotalSeconds:0} s.");
                }

                await Task.Delay(ProbeInterval, cancellationToken);
            }

            await AfterReadyAsync(cancellationToken);
            StartDuration = stopwatch.Elapsed;
        }
        catch
        {
            await KillHelpersAsync();
            if (_main is not null)
            {
                await _main.KillAsync();
            }

            throw;
        }
    }

    private async Task StopCoreAsync()
    {
        if (_main is not null && !_main.HasExited)
        {
            await StopMainAsync(_main);
        }

        await StopHelpersAsync();
    }
}
