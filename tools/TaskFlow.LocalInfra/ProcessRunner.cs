using System.Diagnostics;
using System.Text;

namespace TaskFlow.LocalInfra;

/// <summary>Runs a short-lived helper (initdb, psql, chown...) and captures what it prints.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
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

        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InfraException($"Could not run {fileName}: {e.Message}", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new InfraException($"{fileName} {string.Join(' ', psi.ArgumentList)} did not finish in time. Output:\n{Snapshot(output)}");
        }

        // The parameterless wait drains the asynchronous output readers.
        await process.WaitForExitAsync(CancellationToken.None);
        return new Result(process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
