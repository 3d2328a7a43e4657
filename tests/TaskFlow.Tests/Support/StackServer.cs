using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Npgsql;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace TaskFlow.Tests.Support;

/// <summary>Redis, PostgreSQL or RabbitMQ as the AppHost runs it, stopped and started with the AppHost's resource commands.</summary>
/// <param name="probe">Whether the server takes a client's work, asked directly: Aspire checks a healthy resource only
/// every 30 s, so a report newer than a restarted process can be that long in coming.</param>
public sealed class StackServer(DistributedApplication app, string resource, string connectionString, Func<string, Task> probe)
{
    public static StackServer Redis(DistributedApplication app, string connectionString) =>
        new(app, "redis", connectionString, async cs =>
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(cs + ",connectTimeout=2000,abortConnect=true");
            await redis.GetDatabase().PingAsync();
        });

    public static StackServer Postgres(DistributedApplication app, string connectionString) =>
        new(app, "postgres", connectionString, async cs =>
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false, Timeout = 2 }.ConnectionString);
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("SELECT 1", connection);
            await query.ExecuteScalarAsync();
        });

    public static StackServer RabbitMq(DistributedApplication app, string connectionString) =>
        new(app, "messaging", connectionString, async cs =>
        {
            var factory = new ConnectionFactory { Uri = new Uri(cs), RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
            await using var connection = await factory.CreateConnectionAsync();
        });

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
        await WaitRestartedAsync(previous, cancellationToken);
    }

    /// <summary>The process the dashboard shows (for PostgreSQL, the shell that runs it); 0 while none runs.</summary>
    public int ProcessId => CurrentPid();

    /// <summary>After the process <paramref name="previousPid"/> crashed or stopped: the AppHost runs the server again, and it answers.</summary>
    public async Task WaitRestartedAsync(int previousPid, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        // The one instance's id: the resource's name is its id only until DCP names the instance.
        var id = app.ResourceNotifications.TryGetCurrentState(resource, out var current) ? current.ResourceId : resource;
        await StackService.WaitNewProcessAsync(app, resource, id, previousPid, cts.Token);
        while (true)
        {
            try
            {
                await probe(connectionString);
                return;
            }
            catch (Exception e) when (!cts.IsCancellationRequested && e is not OperationCanceledException)
            {
                // Still starting.
            }
            await Task.Delay(200, cts.Token);
        }
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
