namespace TaskFlow.Tests.Support;

/// <summary>
/// A <see cref="RestartableStack"/> for the test that kills a ChatSocket replica. A replica started again can be lost
/// by DCP's proxy for the rest of the AppHost's life (<see cref="DcpEndpointLog"/>), and the tests that need both
/// replicas in the pool must not inherit that: they run on the other restartable stack, which no test kills a replica of.
/// </summary>
public sealed class ReplicaCrashStack : RestartableStack
{
    public ReplicaCrashStack()
        : base("replica-crash", startOrder: 2)
    {
    }
}

[CollectionDefinition(Name)]
public sealed class ReplicaCrashStackCollection : ICollectionFixture<ReplicaCrashStack>
{
    public const string Name = "TaskFlow stack whose ChatSocket replica is killed";
}
