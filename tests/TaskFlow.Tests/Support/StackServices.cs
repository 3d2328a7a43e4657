using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace TaskFlow.Tests.Support;

/// <summary>The five services of a running AppHost by name (a replicated one by its first replica), or by resource id.</summary>
public sealed class StackServices
{
    private readonly Dictionary<string, List<StackService>> _byName;

    private StackServices(Dictionary<string, List<StackService>> byName) => _byName = byName;

    public StackService this[string nameOrResourceId] => _byName.TryGetValue(nameOrResourceId, out var all) ? all[0]
        : _byName.Values.SelectMany(v => v).Single(s => s.ResourceId == nameOrResourceId);

    public StackService Gateway => this[ServiceNames.Gateway];

    /// <summary>Every process of every service.</summary>
    public IReadOnlyList<StackService> All => [.. _byName.Values.SelectMany(v => v)];

    /// <summary>Every replica of <paramref name="name"/>, in a stable order.</summary>
    public IReadOnlyList<StackService> Replicas(string name) => _byName[name];

    /// <summary>Stops every replica of <paramref name="name"/>: "no worker" on a stack that runs two.</summary>
    public Task StopAllAsync(string name) => Task.WhenAll(Replicas(name).Select(replica => replica.StopAsync()));

    /// <summary>Kills every replica of <paramref name="name"/> (kill -9); the AppHost starts each again.</summary>
    public Task KillAllAsync(string name) => StackService.KillTogetherAsync(Replicas(name));

    /// <summary>After <see cref="StopAllAsync"/> or <see cref="KillAllAsync"/>: every replica runs again, healthy.</summary>
    public Task RestartAllAsync(string name) => Task.WhenAll(Replicas(name).Select(replica => replica.RestartAsync()));

    /// <summary>
    /// The services of <paramref name="app"/>, once every resource runs. Watching replays each resource's current
    /// state first, so a moment's watching sees every replica's id.
    /// </summary>
    public static async Task<StackServices> FindAsync(DistributedApplication app, CancellationToken ct)
    {
        var ids = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using (var watch = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            watch.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await foreach (var e in app.ResourceNotifications.WatchAsync(watch.Token))
                {
                    var list = ids.TryGetValue(e.Resource.Name, out var known) ? known : ids[e.Resource.Name] = [];
                    if (!list.Contains(e.ResourceId))
                    {
                        list.Add(e.ResourceId);
                    }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The moment is over.
            }
        }

        foreach (var (name, list) in ids)
        {
            // A resource's first snapshot may carry its bare name before DCP names its instances.
            if (list.Count > 1)
            {
                list.Remove(name);
            }

            list.Sort(StringComparer.Ordinal);
        }

        return new StackServices(ServiceNames.All.ToDictionary(n => n, n => ids[n].Select(id => new StackService(app, n, id)).ToList()));
    }
}
