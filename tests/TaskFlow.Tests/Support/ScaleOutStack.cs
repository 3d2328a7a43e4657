using TaskFlow.LocalInfra;

namespace TaskFlow.Tests.Support;

/// <summary>
/// A stack of its own with two ChatSocket replicas and two inference workers behind the one gateway: TaskFlow spread
/// over several machines, in one. Its tests may stop RabbitMQ and kill replicas.
/// </summary>
public sealed class ScaleOutStack() : TaskFlowStack("scaleout", durableRedis: false,
    new Dictionary<string, string>
    {
        // Unconfirmed jobs are published again within seconds, so the outage test waits for the outage, not the timer.
        ["Queue__PublishTimeout"] = "00:00:02",
        ["Queue__RedispatchAfter"] = "00:00:03",
        ["Queue__RedispatchInterval"] = "00:00:00.500",
        ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
    },
    new Dictionary<string, int> { [TaskFlowTopology.ChatSocket] = 2, [TaskFlowTopology.InferenceWorker] = 2 })
{
    public static readonly string[] ChatSockets = [TaskFlowTopology.ChatSocket, TaskFlowTopology.ReplicaName(TaskFlowTopology.ChatSocket, 2)];

    public static readonly string[] Workers = [TaskFlowTopology.InferenceWorker, TaskFlowTopology.ReplicaName(TaskFlowTopology.InferenceWorker, 2)];
}

/// <summary>Runs alone, like the restart tests: a third stack beside the others would starve a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutStackCollection : ICollectionFixture<ScaleOutStack>
{
    public const string Name = "TaskFlow stack with replicas";
}
