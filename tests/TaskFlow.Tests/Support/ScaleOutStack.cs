namespace TaskFlow.Tests.Support;

/// <summary>
/// An AppHost of its own with two ChatSocket replicas and two inference workers behind the one gateway (as
/// <c>TASKFLOW_REPLICAS</c> gives them): TaskFlow spread over several machines, in one. Its tests may stop RabbitMQ
/// and kill replicas.
/// </summary>
public sealed class ScaleOutStack() : TaskFlowStack("scaleout",
[
    $"--TASKFLOW_REPLICAS={ServiceNames.ChatSocket}=2,{ServiceNames.InferenceWorker}=2",
    // Unconfirmed jobs are published again within seconds, so the outage test waits for the outage, not the timer.
    "--Queue:PublishTimeout=00:00:02",
    "--Queue:RedispatchAfter=00:00:03",
    "--Queue:RedispatchInterval=00:00:00.500",
    // An outage outlasts the shared stack's short idle phases: a check-in mid-test is not what these tests ask about.
    "--Chat:Engagement:IdleNudgeAfter=01:00:00",
    "--Chat:Engagement:TypingNudgeAfter=01:00:00",
])
{
    /// <summary>The resource ids of the two ChatSocket replicas.</summary>
    public IReadOnlyList<string> ChatSockets => [.. Services.Replicas(ServiceNames.ChatSocket).Select(s => s.ResourceId)];

    /// <summary>The resource ids of the two workers.</summary>
    public IReadOnlyList<string> Workers => [.. Services.Replicas(ServiceNames.InferenceWorker).Select(s => s.ResourceId)];
}

/// <summary>Runs alone, like the restart tests: a third stack beside the others would starve a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutStackCollection : ICollectionFixture<ScaleOutStack>
{
    public const string Name = "TaskFlow stack with replicas";
}
