using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace TaskFlow.Tests.Support;

/// <summary>Redis, PostgreSQL or RabbitMQ as the AppHost runs it, stopped and started with the AppHost's resource commands.</summary>
public sealed class StackServer(DistributedApplication app, string resource, string connectionString)
{
    private int _stoppedPid;

    public string Name => resource;

    /// <summary>Stable across restarts: the services and the tests reach the server through DCP's proxy port.</summary>
    public string ConnectionString => connectionString;

    /// <summary>A clean stop (the server flushes; Redis its append-only file) that the AppHost does not undo.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        _stoppedPid = CurrentPid();
        return RunAsync(KnownResourceCommands.StopCommand, cancellationToken);
    }

    /// <summary>Started again on the same port, back once its health check passes in the new process.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var previous = CurrentPid() is > 0 and var running ? running : _stoppedPid;
        await RunAsync(KnownResourceCommands.StartCommand, cancellationToken);
        // The one instance's id: the resource's name is its id only until DCP names the instance.
        var id = app.ResourceNotifications.TryGetCurrentState(resource, out var current) ? current.ResourceId : resource;
        await StackService.WaitNewProcessHealthyAsync(app, resource, id, previous, TimeSpan.FromSeconds(90), cancellationToken);
    }

    private int CurrentPid() =>
        app.ResourceNotifications.TryGetCurrentState(resource, out var e) && e.Snapshot.State?.Text == KnownResourceStates.Running ? StackService.Pid(e.Snapshot) : 0;

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    private async Task RunAsync(string command, CancellationToken cancellationToken)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resource, command, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} of {resource} failed: {result.Message}");
        }
    }

    public override string ToString() => $"{resource} ({connectionString})";
}
