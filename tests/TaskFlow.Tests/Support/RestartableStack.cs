namespace TaskFlow.Tests.Support;

/// <summary>
/// A second, separate stack whose Redis, PostgreSQL, RabbitMQ and services the tests of
/// <see cref="RestartableStackCollection"/> may stop, kill and restart; the shared <see cref="TaskFlowStack"/> is
/// never touched. Redis keeps its append-only file, as the runner's does, so a restart loses nothing it acknowledged.
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

[CollectionDefinition(Name)]
public sealed class RestartableStackCollection : ICollectionFixture<RestartableStack>
{
    public const string Name = "TaskFlow stack with restarts";
}
