using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TaskFlow.LocalInfra;

/// <summary>What to launch: one program whose output is appended to a log file.</summary>
internal sealed record ProcessSpec
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>Added to (or, with a null value, removed from) this process's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    public string? WorkingDirectory { get; init; }
    public required string LogFile { get; init; }
    /// <summary>Records the pid so that a later run can end it if this one dies without cleaning up.</summary>
    public string? PidFile { get; init; }
    /// <summary>Text that the command line must contain for a pid from <see cref="PidFile"/> to be ours.</summary>
    public string? PidMarker { get; init; }
    /// <summary>The signal that stops this program cleanly (recorded in the pid file for <see cref="StaleProcesses"/>).</summary>
    public int StopSignal { get; init; } = Posix.SigTerm;
}

/// <summary>
/// A child process in its own session (setsid: a Ctrl-C in the terminal reaches only the test host, which then
/// stops children in order), stdin from /dev/null, output appended straight to a log file by the shell (no pipe back to us,
/// so the child never blocks or gets SIGPIPE because of us). The pid we hold is the program's own: setsid and sh exec in place.
/// </summary>
internal sealed class ManagedProcess : IDisposable
{
    private const long MaxLogBytes = 32L * 1024 * 1024;
    private static readonly string? s_setsid = Which("setsid");

    private readonly Process _process;
    private readonly ProcessSpec _spec;
    private IReadOnlyList<int> _descendants = [];

    private ManagedProcess(Process process, ProcessSpec spec)
    {
        _process = process;
        _spec = spec;
        Pid = process.Id;
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string LogFile => _spec.LogFile;

    public static ManagedProcess Start(ProcessSpec spec)
    {
        PrepareLog(spec.LogFile, $"{spec.FileName} {string.Join(' ', spec.Arguments)}");
        if (spec.PidFile is not null)
        {
            StaleProcesses.Reap(spec.PidFile);
        }

        var psi = new ProcessStartInfo
        {
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        if (s_setsid is not null)
        {
            psi.FileName = s_setsid;
            psi.ArgumentList.Add("/bin/sh");
        }
        else
        {
            psi.FileName = "/bin/sh";
        }

        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(spec.LogFile);
        psi.ArgumentList.Add(spec.FileName);
        foreach (var arg in spec.Arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var process = Process.Start(psi) ?? throw new InfraException($"Could not start {spec.FileName}.");
        if (spec.PidFile is not null)
        {
            File.WriteAllText(spec.PidFile, $"{process.Id}\n{spec.PidMarker ?? spec.FileName}\n{spec.StopSignal}\n");
        }

        return new ManagedProcess(process, spec);
    }

    /// <summary>Waits for the process to end; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Completes when the process exits (for watchers).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public bool Signal(int signal) => !_process.HasExited && Posix.Signal(Pid, signal);

    /// <summary>
    /// Sends <paramref name="signal"/>, waits up to <paramref name="grace"/>, then kills the whole tree. Afterwards
    /// kills whatever descendants outlived their parent, so nothing is left behind.
    /// </summary>
    public async Task StopAsync(int signal, TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            _descendants = Descendants(Pid);
            Posix.Signal(Pid, signal);
            if (!await WaitForExitAsync(grace))
            {
                await KillAsync();
            }
        }

        KillSurvivors();
        RemovePidFile();
    }

    /// <summary>SIGKILL to the process and all its descendants (a crash, as far as the program can tell).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _descendants = [.. _descendants, .. Descendants(Pid)];
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        KillSurvivors();
        RemovePidFile();
    }

    public string LogTail(int lines = 40) => ReadTail(_spec.LogFile, lines);

    public void Dispose() => _process.Dispose();

    private void KillSurvivors()
    {
        foreach (var pid in _descendants)
        {
            if (Posix.IsAlive(pid))
            {
                Posix.Signal(pid, Posix.SigKill);
            }
        }
    }

    private void RemovePidFile()
    {
        if (_spec.PidFile is not null)
        {
            try
            {
                File.Delete(_spec.PidFile);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>All processes below <paramref name="root"/> (children, grandchildren...), read from /proc.</summary>
    internal static IReadOnlyList<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // Gone meanwhile, or not readable.
            }
        }

        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.Count > 0)
        {
            var current = frontier.Dequeue();
            foreach (var (pid, parent) in parents)
            {
                if (parent == current && pid != root && !result.Contains(pid))
                {
                    result.Add(pid);
                    frontier.Enqueue(pid);
                }
            }
        }

        return result;
    }

    /// <summary>Current length of a log file (0 when missing): pass it to <see cref="ReadTail"/> to see only what came after.</summary>
    internal static long LogLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    internal static string ReadTail(string path, int lines, long fromOffset = 0)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            const int window = 64 * 1024;
            if (fromOffset > stream.Length)
            {
                fromOffset = 0; // rotated meanwhile
            }

            stream.Seek(Math.Max(fromOffset, stream.Length - window), SeekOrigin.Begin);

            using var reader = new StreamReader(stream, Encoding.UTF8);
            var text = reader.ReadToEnd();
            var all = text.Split('\n');
            var count = all.Length > 0 && all[^1].Length == 0 ? all.Length - 1 : all.Length;
            return string.Join('\n', all.Take(count).Skip(Math.Max(0, count - lines)));
        }
        catch (FileNotFoundException)
        {
            return $"(no log at {path})";
        }
        catch (DirectoryNotFoundException)
        {
            return $"(no log at {path})";
        }
    }

    internal static string? Which(string program)
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            if (dir.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var dir in new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" })
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void PrepareLog(string logFile, string commandLine)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(logFile));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        var info = new FileInfo(logFile);
        if (info.Exists && info.Length > MaxLogBytes)
        {
            File.Move(logFile, logFile + ".old", overwrite: true);
        }

        File.AppendAllText(logFile, $"----- {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz} starting: {commandLine}{System.Environment.NewLine}");
    }
}

/// <summary>Ends processes a previous run left behind (it was killed before it could stop them).</summary>
public static class StaleProcesses
{
    /// <summary>File name suffix of the pid files LocalInfra writes.</summary>
    public const string PidFileSuffix = ".taskflow.pid";

    /// <summary>
    /// If <paramref name="pidFile"/> names a live process whose command line still contains the recorded marker,
    /// stops it (its recorded stop signal, then SIGKILL of its tree after 10 s). Returns a description of what was ended, or null.
    /// </summary>
    public static string? Reap(string pidFile)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (IOException)
        {
            return null;
        }

        string? ended = null;
        if (lines.Length >= 2
            && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && pid != System.Environment.ProcessId
            && Posix.IsAlive(pid)
            && Posix.CommandLine(pid) is { } cmd
            && cmd.Contains(lines[1], StringComparison.Ordinal))
        {
            var tree = ManagedProcess.Descendants(pid);
            var signal = lines.Length >= 3 && int.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : Posix.SigTerm;
            Posix.Signal(pid, signal);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Posix.IsAlive(pid) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }

            foreach (var p in tree.Prepend(pid))
            {
                if (Posix.IsAlive(p))
                {
                    Posix.Signal(p, Posix.SigKill);
                }
            }

            ended = $"pid {pid} ({cmd[..Math.Min(cmd.Length, 80)]})";
        }

        try
        {
            File.Delete(pidFile);
        }
        catch (IOException)
        {
        }

        return ended;
    }
}
