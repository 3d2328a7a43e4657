using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace TaskFlow.Tests.Support;

/// <summary>
/// Processes as /proc shows them, and signals sent to them. Aspire runs a project through <c>dotnet run</c> and shows
/// that launcher's pid, so a test that crashes a service kills the launcher's child, the service itself.
/// </summary>
public static partial class ProcessTree
{
    public static IReadOnlyList<int> Children(int parent) => parent <= 0 ? [] :
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)];

    public static int ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces, so count from its closing parenthesis.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private const int SigKill = 9;
    private const int SigStop = 19;

    /// <summary>
    /// kill -9 of several processes as at one instant: all are stopped (SIGSTOP) first, then killed. Killed one after
    /// the other, the first one's job went back to RabbitMQ at once, and another worker, still running because this
    /// test process paused between two kills (a garbage collection, or the scheduler on a busy machine: the exits came
    /// up to half a second apart), took it and called the model before it died too. A stopped process takes nothing.
    /// </summary>
    public static void KillTogether(IReadOnlyList<int> processes)
    {
        foreach (var pid in processes)
        {
            Signal(pid, SigStop);
        }
        foreach (var pid in processes)
        {
            Signal(pid, SigKill);
        }
    }

    private static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
