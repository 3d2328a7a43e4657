namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Tests that start a whole AppHost of their own (as <c>./run.sh</c> does, with its dashboard, or several times over
/// one data folder), one after another, and after the stacks' collections rather than beside them: each brings its
/// own servers, services and dashboard. Beside the stacks, on a 2-core machine about 2.5 times slower per core than
/// the one this suite was written on, one of its starts took 5 minutes and slowed every other test with it; tried again
/// with its starts waiting for the stacks' (<see cref="Support.StartGate"/>), the test took 653 s beside them against
/// 186 s after them, and the suite ended no sooner.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection
{
    public const string Name = "Aspire AppHost";
}
