using System.Diagnostics;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>Where Redis, PostgreSQL and RabbitMQ come from: Aspire's containers, or local executables.</summary>
public enum InfrastructureMode
{
    Containers,
    Executables,
}

public static class InfrastructureModeDetection
{
    /// <summary>The configuration key that overrides detection: <c>Containers</c> or <c>Executables</c>.</summary>
    public const string ConfigurationKey = "TaskFlow:Infrastructure";

    /// <summary>The dashboard property that shows the mode on each infrastructure resource.</summary>
    public const string PropertyName = "TaskFlow infrastructure";

    /// <summary>
    /// <c>TaskFlow:Infrastructure</c> when set; otherwise containers when a container runtime answers, else executables.
    /// An installed docker CLI without a daemon is common (and is this project's build machine), so the runtime must
    /// answer, not merely exist.
    /// </summary>
    public static InfrastructureMode Resolve(IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configured = builder.Configuration[ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Enum.TryParse<InfrastructureMode>(configured, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
                ? mode
                : throw new InvalidOperationException(
                    $"{ConfigurationKey} is '{configured}': set it to Containers (Docker or Podman) or Executables (local redis-server, PostgreSQL and RabbitMQ), or leave it unset to detect.");
        }

        return ContainerRuntimeAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Executables;
    }

    private static bool ContainerRuntimeAnswers()
    {
        // The runtime Aspire itself would use first (ASPIRE_CONTAINER_RUNTIME), then Docker, then Podman.
        var preferred = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME");
        string[] runtimes = preferred is { Length: > 0 } ? [preferred] : ["docker", "podman"];
        return runtimes.Any(runtime => Answers(runtime, "info"));
    }

    private static bool Answers(string command, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, argument)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            // Drain the pipes so a chatty `info` cannot block on a full buffer.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
            return false;
        }
    }
}
