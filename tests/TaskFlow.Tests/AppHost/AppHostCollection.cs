namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Tests that start an AppHost of their own (a whole one, as <c>./run.sh</c> does, several times over one data
/// folder), beside the stacks' collections: an AppHost mostly waits on its servers and services starting.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "Aspire AppHost";
}

/// <summary>The AppHost with its dashboard, beside <see cref="AppHostCollection"/> rather than after it.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection
{
    public const string Name = "Aspire AppHost with its dashboard";
}
