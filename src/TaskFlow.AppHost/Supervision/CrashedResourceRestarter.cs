using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskFlow.AppHost.Supervision;

/// <summary>
/// Starts again every project or executable instance that exits while nobody asked it to stop. A stop asked for (the
/// dashboard's Stop, the AppHost shutting down) passes through <c>Stopping</c> first and is left alone. A process that
/// keeps crashing is started after a growing pause (1 s doubling to 1 min), so a broken one does not spin the machine.
/// </summary>
internal sealed partial class CrashedResourceRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    ILogger<CrashedResourceRestarter> logger) : BackgroundService
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(1);

    /// <summary>Running this long after a start, the next crash is a fresh one (pause back to <see cref="FirstPause"/>).</summary>
    private static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var e in notifications.WatchAsync(stopping.Token))
            {
                if (e.Resource is ProjectResource or ExecutableResource)
                {
                    Observe(e, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Observe(ResourceEvent e, CancellationToken ct)
    {
        var state = e.Snapshot.State?.Text;
        var instance = _instances.GetOrAdd(e.ResourceId, _ => new Instance());
        lock (instance)
        {
            if (state == KnownResourceStates.Running && instance.State != KnownResourceStates.Running)
            {
                instance.RunningSince = DateTimeOffset.UtcNow;
            }

            // DCP reports a process that ended as Finished (or Exited), with its exit code (137 after kill -9).
            var ended = state == KnownResourceStates.Finished || state == KnownResourceStates.Exited;
            var crashed = ended
                && instance.State is not null
                && instance.State != KnownResourceStates.Finished
                && instance.State != KnownResourceStates.Exited
                && !instance.StopRequested
                && !ct.IsCancellationRequested;
            if (state == KnownResourceStates.Stopping)
            {
                instance.StopRequested = true;
            }
            else if (!ended)
            {
                instance.StopRequested = false;
            }

            instance.State = state;
            if (!crashed)
            {
                return;
            }

            instance.Pause = instance.RunningSince is { } since && DateTimeOffset.UtcNow - since < StableAfter
                ? TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, Math.Max(FirstPause.Ticks, instance.Pause.Ticks * 2)))
                : FirstPause;
            LogCrashed(e.ResourceId, e.Snapshot.ExitCode, instance.Pause.TotalSeconds);
            _ = StartAgainAsync(e.ResourceId, instance, instance.Pause, ct);
        }
    }

    private async Task StartAgainAsync(string resourceId, Instance instance, TimeSpan pause, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(pause, ct);
                lock (instance)
                {
                    // Started meanwhile (a slow start that outlived the last command's timeout), or stopped on purpose.
                    if (instance.StopRequested || (instance.State != KnownResourceStates.Finished && instance.State != KnownResourceStates.Exited))
                    {
                        return;
                    }
                }

                // Aspire gives a command 20 s; a start on a loaded machine can take longer, so a failure is tried again.
                var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, ct);
                if (result.Success)
                {
                    return;
                }

                pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, pause.Ticks * 2));
                LogStartFailed(resourceId, result.Message, pause.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing to start again.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited on its own (exit code {ExitCode}); starting it again in {PauseSeconds} s. Its console log in the dashboard says why it stopped.")]
    private partial void LogCrashed(string resource, int? exitCode, double pauseSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} could not be started again: {Error}. Trying again in {PauseSeconds} s; its console log in the dashboard says what fails.")]
    private partial void LogStartFailed(string resource, string? error, double pauseSeconds);

    private sealed class Instance
    {
        public string? State { get; set; }

        public bool StopRequested { get; set; }

        public DateTimeOffset? RunningSince { get; set; }

        public TimeSpan Pause { get; set; }
    }
}
