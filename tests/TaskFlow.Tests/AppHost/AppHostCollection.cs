namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Runs alone: the AppHost starts servers and services of its own, which beside another stack would starve a
/// 2-core machine and slow the timing-sensitive tests of the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection
{
    public const string Name = "Aspire AppHost";
}
