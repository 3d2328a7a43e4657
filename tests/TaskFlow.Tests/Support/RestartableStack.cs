using RabbitMQ.Client;
using TaskFlow.InferenceWorker.Generation;

namespace TaskFlow.Tests.Support;

/// <summary>
/// An AppHost of its own whose Redis, PostgreSQL, RabbitMQ and services the tests of
/// <see cref="RestartableStackCollection"/> may stop, kill and restart; the shared <see cref="TaskFlowStack"/> is never
/// touched. It runs two ChatSocket replicas and two inference workers behind the one gateway (as
/// <c>TASKFLOW_REPLICAS</c> gives them): TaskFlow spread over several machines, in one. Its PostgreSQL syncs its commits
/// and Redis keeps its append-only file, as under <c>./run.sh</c>, so a crash loses nothing they acknowledged.
/// </summary>
public class RestartableStack : TaskFlowStack
{
    private static readonly string[] Arguments =
    [
        $"--TASKFLOW_REPLICAS={ServiceNames.ChatSocket}=2,{ServiceNames.InferenceWorker}=2",
        // A job RabbitMQ never confirmed is published again soon, so a test waits seconds rather than the default half
        // minute. The confirm keeps production's 5 s: on a busy 2-core machine confirms took over 2 s, and a job published
        // again while its first copy was in flight ran a third time when its worker was killed.
        "--Queue:PublishTimeout=00:00:05",
        "--Queue:RedispatchAfter=00:00:06",
        "--Queue:RedispatchInterval=00:00:00.500",
        // An outage outlasts the shared stack's short idle phases: a check-in mid-test is not what these tests ask about.
        "--Chat:Engagement:IdleNudgeAfter=01:00:00",
        "--Chat:Engagement:TypingNudgeAfter=01:00:00",
    ];

    public RestartableStack()
        : this("restartable", startOrder: 1)
    {
    }

    protected RestartableStack(string name, int startOrder)
        : base(name, Arguments, durableDatabase: true, startOrder)
    {
    }

    /// <summary>
    /// After <paramref name="replica"/> was started again: waits as <see cref="BothReplicasInPoolAsync"/> does, and
    /// returns false instead of failing when DCP's proxy lost the replica for good (<see cref="DcpEndpointLog"/>: a
    /// fault of the orchestrator that no wait cures; the AppHost did start the replica again). Any other timeout fails.
    /// </summary>
    public async Task<bool> ReplicaBackInPoolAsync(string replica, DateTimeOffset startedAgainAfter, Action<string> log)
    {
        try
        {
            await BothReplicasInPoolAsync(log);
            return true;
        }
        catch (TimeoutException) when (DcpEndpointLog.ReplicaLostItsEndpoint(LogDirectory, replica, startedAgainAfter))
        {
            log($"DCP gave the restarted {replica} no Endpoint (\"Endpoint(s) already exist\" in its log), so its proxy never "
                + "routes to it: the orchestrator's fault, see docs/aspire.md; the AppHost did start it again");
            return false;
        }
    }

    /// <summary>The resource ids of the two ChatSocket replicas.</summary>
    public IReadOnlyList<string> ChatSockets => [.. Services.Replicas(ServiceNames.ChatSocket).Select(s => s.ResourceId)];

    /// <summary>The resource ids of the two workers.</summary>
    public IReadOnlyList<string> Workers => [.. Services.Replicas(ServiceNames.InferenceWorker).Select(s => s.ResourceId)];

    /// <summary>
    /// Waits until every replica and worker is ready, the gateway's connections reach both replicas (a replica that
    /// started late, or came back, may not have had one yet), and no socket is open, so counts per replica are the
    /// caller's.
    /// </summary>
    /// <param name="log">Says how long each wait took, for whoever reads a slow or failed run.</param>
    public async Task BothReplicasInPoolAsync(Action<string>? log = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Log(string what) => log?.Invoke($"{clock.Elapsed.TotalSeconds,5:0.0} s  {what}");
        // After a RabbitMQ outage a worker takes 10 to 15 s to consume again (its /health says Degraded, still HTTP
        // 200), so wait until RabbitMQ sees both workers on the job queue.
        await Task.WhenAll(ChatSockets.Concat(Workers).Select(process => Services[process].WaitHealthyAsync(TimeSpan.FromSeconds(120))));
        Log("every replica and worker healthy");
        await Eventually.GetAsync(async () => await JobQueueConsumersAsync() == Workers.Count ? (object)true : null,
            TimeSpan.FromSeconds(90), "both workers to consume the job queue");
        Log("both workers consume the job queue");
        using var prober = await TestUser.SignUpAsync(this);
        await Eventually.GetAsync(async () =>
        {
            var sockets = new List<ChatSocketClient>();
            try
            {
                for (var i = 0; i < 4; i++)
                {
                    sockets.Add(await prober.ConnectAsync());
                }
                var open = await Task.WhenAll(ChatSockets.Select(replica => MetricAsync(replica, "ws_connections_active")));
                return open.All(count => count > 0) ? (object)true : null;
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    await socket.DisposeAsync();
                }
            }
        }, TimeSpan.FromSeconds(60), "sockets through the gateway to reach both replicas");
        Log("sockets reach both replicas");
        await Eventually.GetAsync(async () =>
        {
            var open = await Task.WhenAll(ChatSockets.Select(replica => MetricAsync(replica, "ws_connections_active")));
            return open.Sum() == 0 ? (object)true : null;
        }, TimeSpan.FromSeconds(30), "sockets to close");
        Log("no socket open");
    }

    /// <summary>Signs up at least <paramref name="count"/> users, each with a socket through the gateway, spread over both replicas.</summary>
    public async Task<ChatGroup> OpenChatsOnBothReplicasAsync(int count, Func<int, string> prompt)
    {
        await BothReplicasInPoolAsync();
        var chats = new ChatGroup();
        try
        {
            // Aspire's proxy picks a replica per connection, not in turn: a few more chats may be needed to reach both.
            double[] open = [];
            for (var i = 0; i < count || (open.Any(sockets => sockets == 0) && i < count + 12); i++)
            {
                var user = await TestUser.SignUpAsync(this);
                chats.Add(new Chat(user, await user.ConnectAsync(), prompt(i)));
                open = await Task.WhenAll(ChatSockets.Select(replica => MetricAsync(replica, "ws_connections_active")));
            }
            Assert.All(open, sockets => Assert.True(sockets > 0, $"sockets per replica: {string.Join(", ", open)}"));
            return chats;
        }
        catch
        {
            await chats.DisposeAsync();
            throw;
        }
    }

    private async Task<uint> JobQueueConsumersAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(RabbitMq.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(GenerateReplyEndpoint.QueueName)).ConsumerCount;
    }

    /// <summary>One user's socket through the gateway, and what it will ask.</summary>
    public sealed record Chat(TestUser User, ChatSocketClient Socket, string Prompt);

    public sealed class ChatGroup : List<Chat>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var chat in this)
            {
                await chat.Socket.DisposeAsync();
                chat.User.Dispose();
            }
        }
    }
}

/// <summary>
/// Runs beside the shared stack's collections: its servers and services are its own, so its outages reach no other
/// test, and most of its time is spent waiting for restarts rather than using the CPU.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RestartableStackCollection : ICollectionFixture<RestartableStack>
{
    public const string Name = "TaskFlow stack with restarts";
}
