using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace TaskFlow.AppHost.Configuration;

/// <summary>
/// Until TaskFlow is announced running, says every <see cref="IntervalKey"/> (30 s) what it still waits for and why: a
/// server that refuses the services' login (its data made with another password) or never answers would otherwise
/// leave the terminal silent while every service waits for it.
/// </summary>
internal sealed class StartupProgress(DistributedApplicationModel model, ResourceNotificationService notifications, ILogger logger, TimeSpan interval)
{
    public const string IntervalKey = "TaskFlow:StartupProgressInterval";

    /// <summary>The configured interval, or 30 s; a value that is no positive time span stops the AppHost saying so.</summary>
    public static TimeSpan Interval(IConfiguration configuration)
    {
        var configured = configuration[IntervalKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return TimeSpan.FromSeconds(30);
        }

        return TimeSpan.TryParse(configured, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero
            ? interval
            : throw new InvalidOperationException($"{IntervalKey} is '{configured}': set it to a positive time span such as 00:00:30, or leave it unset.");
    }

    private volatile bool _announced;

    /// <summary>
    /// Starts saying what is pending until <see cref="Announced"/> or <paramref name="stopping"/>. Not a hosted service:
    /// the host starts those one after another, and Aspire's orchestrator does not return from its start until every
    /// resource has been started, i.e. until what this reports on is over.
    /// </summary>
    public void Start(CancellationToken stopping) => _ = ReportAsync(stopping);

    /// <summary>Called once everything awaited is ready; no more progress lines after it.</summary>
    public void Announced() => _announced = true;

    private async Task ReportAsync(CancellationToken stopping)
    {
        var waited = TimeSpan.Zero;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false) && !_announced)
            {
                waited += interval;
                var states = model.Resources
                    .Where(r => r is not ParameterResource and not ConnectionStringResource)
                    .Select(r => notifications.TryGetCurrentState(r.Name, out var e) && !e.Snapshot.IsHidden ? (r.Name, e.Snapshot) : default)
                    .Where(x => x.Snapshot is not null && !IsReady(x.Snapshot))
                    .ToList();
                var waiting = states.Where(x => x.Snapshot.State?.Text == KnownResourceStates.Waiting).Select(x => x.Name).ToList();
                var troubled = states.Where(x => x.Snapshot.State?.Text != KnownResourceStates.Waiting).Select(x => Describe(x.Name, x.Snapshot)).ToList();
                if (troubled.Count + waiting.Count > 0)
                {
                    logger.LogWarning(
                        "TaskFlow is still starting after {Seconds} s.\n      {Troubled}\n      waiting for them: {Waiting}\n      " +
                        "Each one's console log is on the dashboard (its login link is above). A server that refuses the login has data " +
                        "made with another password: docs/aspire.md, \"Data and passwords\", says what to do.",
                        waited.TotalSeconds.ToString("0", CultureInfo.InvariantCulture), string.Join("\n      ", troubled), string.Join(", ", waiting));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static bool IsReady(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text == KnownResourceStates.Running && snapshot.HealthStatus is null or HealthStatus.Healthy;

    private static string Describe(string name, CustomResourceSnapshot snapshot)
    {
        var state = snapshot.State?.Text is { Length: > 0 } text ? text : "Starting";
        var failing = snapshot.HealthReports
            .Where(r => r.Status is not HealthStatus.Healthy)
            .Select(r => r.Description ?? r.ExceptionText?.Split('\n')[0])
            .OfType<string>()
            .Distinct()
            .ToList();
        return failing.Count == 0 ? $"{name}: {state}" : $"{name}: {state}, not healthy: {string.Join("; ", failing)}";
    }
}
