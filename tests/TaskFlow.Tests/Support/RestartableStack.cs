namespace TaskFlow.Tests.Support;

/// <summary>
/// An AppHost of its own whose Redis, PostgreSQL, RabbitMQ and services the tests of
/// <see cref="RestartableStackCollection"/> may stop, kill and restart; the shared <see cref="TaskFlowStack"/> is never
/// touched. Redis keeps its append-only file, as it always does under the AppHost, so a restart loses nothing it acknowledged.
/// </summary>
public sealed class RestartableStack() : TaskFlowStack("restartable",
[
    // A job RabbitMQ never confirmed is published again soon, so a test waits seconds rather than the default half minute.
    "--Queue:PublishTimeout=00:00:02",
    "--Queue:RedispatchAfter=00:00:03",
    "--Queue:RedispatchInterval=00:00:00.500",
    // An outage outlasts the shared stack's short idle phases: a check-in mid-test is not what these tests ask about.
    "--Chat:Engagement:IdleNudgeAfter=01:00:00",
    "--Chat:Engagement:TypingNudgeAfter=01:00:00",
]);

/// <summary>
/// Runs alone, after the parallel collections: a second stack beside the shared one would slow the shared stack's
/// timing-sensitive tests on a small machine, and the restarts here need the CPU when they happen.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RestartableStackCollection : ICollectionFixture<RestartableStack>
{
    public const string Name = "TaskFlow stack with restarts";
}
