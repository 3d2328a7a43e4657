using System.Runtime.InteropServices;

namespace TaskFlow.LocalInfra;

/// <summary>The few POSIX calls .NET does not expose: sending a signal and asking who we are.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint SysGetEuid();

    public static bool IsRoot => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? SysGetEuid() == 0 : false;

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && SysKill(pid, signal) == 0;

    /// <summary>True while /proc/pid exists and is not a zombie (a zombie has exited, only its parent has not reaped it).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Format: "pid (comm) S ..." where comm may contain spaces and parentheses.
            var close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] is not ('Z' or 'X');
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

    /// <summary>The process's command line with arguments joined by spaces, or null when it is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
