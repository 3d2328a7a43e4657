using Microsoft.Extensions.AI;

namespace TaskFlow.InferenceWorker.Models;

/// <summary>A model the registry knows, with its client and whether its server answered the last probe.</summary>
public sealed class ModelEntry(ModelDefinition definition, IChatClient client)
{
    private volatile bool _isReachable = definition.Provider == ModelProvider.Offline;

    public ModelDefinition Definition { get; } = definition;

    public IChatClient Client { get; } = client;

    public string Id => Definition.Id;

    public bool IsOffline => Definition.Provider == ModelProvider.Offline;

    public bool IsReachable
    {
        get => _isReachable;
        set => _isReachable = value;
    }

    public string ProviderName => Definition.Provider.ToString().ToLowerInvariant();
}
