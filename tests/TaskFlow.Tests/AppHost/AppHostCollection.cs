using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Tests that bring AppHosts of their own, one after another, beside the shared and restartable stacks: the stack whose
/// ChatSocket replica is killed (<see cref="ReplicaCrashStack"/>), and the AppHost started as <c>./run.sh</c> does (with
/// its dashboard) and again over its data. Every AppHost start waits for the others' (<see cref="StartGate"/>), so they
/// never compile a dozen processes at once; after that, these tests mostly wait for processes and servers, which is
/// why they run beside the stacks' tests rather than after them (where they added three minutes to the suite).
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<ReplicaCrashStack>
{
    public const string Name = "Aspire AppHosts of their own";
}
