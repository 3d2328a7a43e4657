namespace TaskFlow.Tests.Support;

/// <summary>
/// A second, separate stack whose Redis, PostgreSQL, RabbitMQ and services the tests of
/// <see cref="RestartableStackCollection"/> may stop, kill and restart; the shared <see cref="TaskFlowStack"/> is
/// never touched. Redis keeps its append-only file, as the AppHost's redis-server does, so a restart loses nothing it acknowledged.
/// </summary>
public sealed class RestartableStack() : TaskFlowStack("restartable", durableRedis: true, new Dictionary<string, string>
{
    // A job RabbitMQ never confirmed is published again soon, so a test waits seconds rather than the default half minute.
    ["Queue__PublishTimeout"] = "00:00:02",
    ["Queue__RedispatchAfter"] = "00:00:03",
    ["Queue__RedispatchInterval"] = "00:00:00.500",
    // Restarts are about order and gaps: the services' logs say when.
    ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
});

/// <summary>
/// Runs alone, after the parallel collections: a second stack beside the shared one would slow the shared stack's
/// timing-sensitive tests on a small machine, and the restarts here need the CPU when they happen.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RestartableStackCollection : ICollectionFixture<RestartableStack>
{
    public const string Name = "TaskFlow stack with restarts";
}
