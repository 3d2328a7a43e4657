namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Tests that start a whole AppHost of their own (as <c>./run.sh</c> does, with its dashboard, or several times over
/// one data folder), one after another beside the stacks' collections: each brings its own servers, services and
/// dashboard, and two at once beside the stacks starved a 2-core machine.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "Aspire AppHost";
}
