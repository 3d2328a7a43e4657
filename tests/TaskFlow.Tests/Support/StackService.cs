using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace TaskFlow.Tests.Support;

/// <summary>One process of a service as the AppHost runs it; a replica has a resource id of its own (chatsocket-abcdefgh).</summary>
public sealed class StackService(DistributedApplication app, string name, string resourceId)
{
    /// <summary>The launcher of the process stopped or killed last: a process that is not the one waited for.</summary>
    private int _killedLauncher;
    private bool _stopped;

    /// <summary>The service's name: its resource's, its OTEL service name and its metrics label.</summary>
    public string Name => name;

    public string ResourceId => resourceId;

    /// <summary>
    /// This process's own address, no trailing slash: the port it listens on (a replica's own, where the shared
    /// endpoint goes through DCP's proxy to any replica), read afresh since a restart may move it.
    /// </summary>
    public string Url =>
        (Environment("ASPNETCORE_URLS") ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal))?.TrimEnd('/')
        ?? app.GetEndpoint(name, "http").ToString().TrimEnd('/');

    /// <summary>A variable of the environment the AppHost gave this process; null when it gave none of that name.</summary>
    public string? Environment(string variable) => Current?.EnvironmentVariables.FirstOrDefault(v => v.Name == variable)?.Value;

    /// <summary>/metrics and /health: the gateway's management endpoint; the others serve them on their own port.</summary>
    public string OperatorUrl => name == ServiceNames.Gateway ? app.GetEndpoint(name, "management").ToString().TrimEnd('/') : Url;

    /// <summary>The <c>dotnet run</c> launcher the AppHost started; 0 while none runs.</summary>
    public int LauncherProcessId => Current is { } snapshot ? Pid(snapshot) : 0;

    /// <summary>The service itself: the launcher's one child.</summary>
    public int ProcessId => ProcessTree.Children(LauncherProcessId).SingleOrDefault();

    private CustomResourceSnapshot? Current =>
        app.ResourceNotifications.TryGetCurrentState(resourceId, out var e) ? e.Snapshot : null;

    /// <summary>
    /// kill -9 of the service process. The AppHost notices a process that ended without being stopped and starts it
    /// again about a second later (its crash restart): a test cannot hold a service down this way.
    /// </summary>
    public Task KillAsync() => KillTogetherAsync([this]);

    /// <summary>kill -9 of several services at one instant (see <see cref="ProcessTree.KillTogether"/>).</summary>
    public static Task KillTogetherAsync(IReadOnlyList<StackService> services)
    {
        var processes = new List<int>();
        foreach (var service in services)
        {
            service._killedLauncher = service.LauncherProcessId;
            if (service.ProcessId is > 0 and var pid)
            {
                processes.Add(pid);
            }
        }
        ProcessTree.KillTogether(processes);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A clean stop through the AppHost's stop command, which the AppHost does not undo. Aspire gives a command 20 s,
    /// and a <c>dotnet run</c> launcher can take longer to go, so the command's answer counts less than the exit.
    /// </summary>
    public async Task StopAsync()
    {
        _stopped = true;
        _killedLauncher = LauncherProcessId;
        await app.ResourceCommands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StopCommand);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.ResourceNotifications.WaitForResourceAsync(name, e => e.ResourceId == resourceId
            && e.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Stopping, timeout.Token);
    }

    /// <summary>After <see cref="StopAsync"/>: starts it; after <see cref="KillAsync"/>: waits for the AppHost's own restart.</summary>
    public async Task RestartAsync()
    {
        if (_stopped)
        {
            _stopped = false;
            var result = await app.ResourceCommands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand);
            if (!result.Success)
            {
                throw new InvalidOperationException($"start of {resourceId} failed: {result.Message}");
            }
        }

        await WaitHealthyAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// Running, in a process other than the one stopped or killed last, and answering <c>/health</c> on its own port.
    /// Aspire's own health reports cannot say it: it checks a replicated service through the address all replicas
    /// share, where another replica may answer for one still starting, and a healthy resource is checked again only
    /// every 30 s, so a report newer than the process can be that long in coming.
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        await WaitNewProcessAsync(app, name, resourceId, _killedLauncher, cts.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(OperatorUrl + "/health"), cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cts.IsCancellationRequested))
            {
                // Not listening yet.
            }
            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>Waits for resource <paramref name="resourceId"/> to run in a process other than <paramref name="previousPid"/>.</summary>
    internal static Task WaitNewProcessAsync(DistributedApplication app, string name, string resourceId, int previousPid, CancellationToken cancellationToken) =>
        app.ResourceNotifications.WaitForResourceAsync(name, e => e.ResourceId == resourceId
            && e.Snapshot.State?.Text == KnownResourceStates.Running
            && Pid(e.Snapshot) is var pid && pid != 0 && pid != previousPid, cancellationToken);

    /// <summary>The process id the dashboard shows for an executable or project, 0 while it has none.</summary>
    public static int Pid(CustomResourceSnapshot snapshot) =>
        Convert.ToInt32(snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value ?? 0, CultureInfo.InvariantCulture);

    public override string ToString() => $"{resourceId} at {Url}";
}
