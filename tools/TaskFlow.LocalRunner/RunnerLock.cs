using System.Globalization;

namespace TaskFlow.LocalRunner;

/// <summary>
/// One runner per repository: <c>.local/runner.pid</c> holds our pid and URL. A file naming a process that is gone
/// (or is no longer a runner) is stale and taken over.
/// </summary>
internal sealed class RunnerLock : IDisposable
{
    private const string Marker = "TaskFlow.LocalRunner";
    private readonly string _path;
    private bool _released;

    private RunnerLock(string path) => _path = path;

    /// <summary>Takes the lock, or returns null and the pid/URL of the runner that holds it.</summary>
    public static RunnerLock? TryAcquire(string path, out int otherPid, out string otherUrl)
    {
        otherPid = 0;
        otherUrl = "";
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
                using (var writer = new StreamWriter(stream))
                {
                    writer.Write($"{Environment.ProcessId}\n\n");
                }

                return new RunnerLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                var lines = SafeReadLines(path);
                if (lines.Length > 0 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsRunner(pid))
                {
                    otherPid = pid;
                    otherUrl = lines.Length > 1 && lines[1].Length > 0 ? lines[1] : "(still starting)";
                    return null;
                }

                // Stale: the runner that wrote it is gone.
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                }
            }
        }

        throw new IOException($"Could not take the runner lock {path}.");
    }

    /// <summary>Records the URL, for the message a second runner prints.</summary>
    public void SetUrl(string url) => File.WriteAllText(_path, $"{Environment.ProcessId}\n{url}\n");

    public void Dispose()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        try
        {
            var lines = SafeReadLines(_path);
            if (lines.Length > 0 && lines[0] == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            {
                File.Delete(_path);
            }
        }
        catch (IOException)
        {
        }
    }

    private static bool IsRunner(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            if (stat.LastIndexOf(')') is var close and > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z')
            {
                return false;
            }

            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(Marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static string[] SafeReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
