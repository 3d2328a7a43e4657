namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Tests that start an AppHost of their own, one after another, beside the shared stack's collections (an AppHost
/// mostly waits on its servers and services starting; a second one at once would starve a 2-core machine).
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "Aspire AppHost";
}
