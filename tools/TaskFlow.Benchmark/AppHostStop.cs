using System.Diagnostics;
using System.Globalization;

namespace TaskFlow.Benchmark;

/// <summary>Stops a running AppHost as an operator does, and makes sure it is gone.</summary>
public static class AppHostStop
{
    /// <summary>
    /// SIGTERM, as Ctrl-C in a background job or <c>kill</c> sends it: the AppHost then has DCP stop every service and
    /// server. Killed with its whole tree if it has not exited within <paramref name="grace"/>.
    /// </summary>
    public static async Task TerminateAsync(Process process, int pid, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var patience = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
