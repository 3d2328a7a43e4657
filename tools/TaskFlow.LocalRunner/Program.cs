using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TaskFlow.LocalInfra;
using TaskFlow.LocalRunner;

// The one command a newcomer runs (through ./run.sh): Redis, PostgreSQL and RabbitMQ with data under .local/,
// then the five services, then wait for Ctrl-C.

if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine("""
        TaskFlow local runner: starts Redis, PostgreSQL and RabbitMQ (data kept in .local/), then the five services.

        Environment:
          TASKFLOW_PORT            gateway port (default 5100): the chat is at http://localhost:PORT/
          TASKFLOW_MANAGEMENT_PORT the gateway's /metrics and /health, for the operator only (default gateway port + 5)
          TASKFLOW_REDIS_PORT      default 6390
          TASKFLOW_POSTGRES_PORT   default 5440
          TASKFLOW_RABBITMQ_PORT   default 5680
          TASKFLOW_CHAT            chat model, e.g. "Endpoint=http://127.0.0.1:11434;Model=qwen3" (also read: ConnectionStrings__chat)
          OTEL_EXPORTER_OTLP_ENDPOINT  passed on to the services (traces, metrics and logs over OTLP)
          TASKFLOW_REPLICAS        more processes of a service behind the gateway, e.g. "chatsocket=2,inferenceworker=2"

        Stop with Ctrl-C: services first, then the servers.
        """);
    return 0;
}

if (!TryParseReplicas(Environment.GetEnvironmentVariable("TASKFLOW_REPLICAS"), out var replicas, out var replicasError))
{
    Console.Error.WriteLine($"TASKFLOW_REPLICAS: {replicasError}");
    return 2;
}

var repo = RepoLayout.FindRoot();
var local = Path.Combine(repo, ".local");
var logs = Path.Combine(local, "logs");
Directory.CreateDirectory(logs);

using var runnerLock = RunnerLock.TryAcquire(Path.Combine(local, "runner.pid"), out var otherPid, out var otherUrl);
if (runnerLock is null)
{
    Console.Error.WriteLine($"TaskFlow is already running (pid {otherPid}) at {otherUrl}: stop it with Ctrl-C in its terminal");
    return 1;
}

// Ctrl-C / SIGTERM / SIGHUP: stop cleanly. A second one: kill everything at once.
using var stopping = new CancellationTokenSource();
using var forcing = new CancellationTokenSource();
var signals = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }
    .Select(signal => PosixSignalRegistration.Create(signal, context =>
    {
        context.Cancel = true;
        if (!stopping.IsCancellationRequested)
        {
            Console.WriteLine();
            Console.WriteLine($"{context.Signal}: stopping TaskFlow (again to kill everything at once)...");
            stopping.Cancel();
        }
        else
        {
            forcing.Cancel();
        }
    }))
    .ToList();

var total = Stopwatch.StartNew();
var step = 0;
// Redis, PostgreSQL, RabbitMQ, then each service process.
var steps = 3 + TaskFlowTopology.ServiceNames.Sum(service => replicas.GetValueOrDefault(service, 1));
var consoleGate = new Lock();
void Say(string message)
{
    lock (consoleGate)
    {
        Console.WriteLine(message);
    }
}

void Step(string message, TimeSpan took) =>
    Say($"[{Interlocked.Increment(ref step)}/{steps}] {message} ({took.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");

int Setting(string name, int fallback) =>
    int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is > 0 and < 65536 ? v : fallback;

int ChoosePort(string what, int preferred)
{
    if (FreePort.IsFree(preferred))
    {
        return preferred;
    }

    var port = FreePort.Get();
    Say($"      port {preferred} is taken: {what} uses {port} instead");
    return port;
}

RedisServer? redis = null;
PostgresServer? postgres = null;
RabbitMqServer? rabbit = null;
TaskFlowServices? services = null;
var exitCode = 0;
try
{
    // Services first (they hold connections), then the servers.
    foreach (var ended in StaleProcesses.ReapAll(Path.Combine(local, "run")).Concat(StaleProcesses.ReapAll(local)))
    {
        Say($"      ended a process a previous run left behind: {ended}");
    }

    var gatewayPort = ChoosePort("the gateway", Setting("TASKFLOW_PORT", 5100));
    var chatUrl = $"http://localhost:{gatewayPort}/";
    runnerLock.SetUrl(chatUrl);
    var redisPort = ChoosePort("Redis", Setting("TASKFLOW_REDIS_PORT", 6390));
    var postgresPort = ChoosePort("PostgreSQL", Setting("TASKFLOW_POSTGRES_PORT", 5440));
    var rabbitPort = ChoosePort("RabbitMQ", Setting("TASKFLOW_RABBITMQ_PORT", 5680));

    var postgresDir = Path.Combine(local, "postgres");
    if (!await PostgresServer.IsUsableDataDirectoryAsync(postgresDir, stopping.Token))
    {
        // Root with the clone in a folder the postgres user cannot enter (e.g. /root): keep the cluster outside it.
        postgresDir = Path.Combine("/var/lib/taskflow", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(repo)))[..12], "postgres");
        Say($"      the postgres user cannot enter {local}: PostgreSQL keeps its data in {postgresDir}");
    }

    Say($"Starting TaskFlow from {repo} (data in .local/, logs in .local/logs/)");
    var redisTask = Task.Run(async () =>
    {
        redis = await RedisServer.StartAsync(new InfraOptions { DataDirectory = Path.Combine(local, "redis"), Port = redisPort, Durable = true, LogFile = Path.Combine(logs, "redis.log") }, stopping.Token);
        Step($"Redis ready on {redis.ConnectionString}", redis.StartDuration);
    });
    var postgresTask = Task.Run(async () =>
    {
        postgres = await PostgresServer.StartAsync(new InfraOptions { DataDirectory = postgresDir, Port = postgresPort, Durable = true, LogFile = Path.Combine(logs, "postgres.log") }, stopping.Token);
        Step($"PostgreSQL ready on 127.0.0.1:{postgres.Port}, database {PostgresServer.DatabaseName}", postgres.StartDuration);
    });
    var rabbitTask = Task.Run(async () =>
    {
        rabbit = await RabbitMqServer.StartAsync(new InfraOptions { DataDirectory = Path.Combine(local, "rabbitmq"), Port = rabbitPort, Durable = true, LogFile = Path.Combine(logs, "rabbitmq.log") }, stopping.Token);
        Step($"RabbitMQ ready on 127.0.0.1:{rabbit.Port}", rabbit.StartDuration);
    });
    await WhenAllOrFirstFailure(redisTask, postgresTask, rabbitTask);

    var chat = Environment.GetEnvironmentVariable("TASKFLOW_CHAT") is { Length: > 0 } c ? c
        : Environment.GetEnvironmentVariable("ConnectionStrings__chat") is { Length: > 0 } c2 ? c2
        : InfraConnections.DefaultChat;
    var topology = TaskFlowTopology.Create(
        new InfraConnections(redis!.ConnectionString, postgres!.ConnectionString, rabbit!.ConnectionString, chat),
        new Dictionary<string, int>
        {
            [TaskFlowTopology.Gateway] = gatewayPort,
            [TaskFlowTopology.GatewayManagement] = ChoosePort("the gateway's management port", Setting("TASKFLOW_MANAGEMENT_PORT", gatewayPort + 5)),
            [TaskFlowTopology.Web] = FreePort.PreferOrGet(gatewayPort + 1),
            [TaskFlowTopology.ChatSocket] = FreePort.PreferOrGet(gatewayPort + 2),
            [TaskFlowTopology.InferenceWorker] = FreePort.PreferOrGet(gatewayPort + 3),
            [TaskFlowTopology.Telemetry] = FreePort.PreferOrGet(gatewayPort + 4),
        },
        replicas);
    services = TaskFlowServices.Start(topology, new TaskFlowServicesOptions
    {
        LogDirectory = logs,
        PidDirectory = Path.Combine(local, "run"),
        // What users run: errors answer as problem details, never with a stack trace.
        EnvironmentName = "Production",
        RepoRoot = repo,
    });
    await services.WaitHealthyAsync(
        TimeSpan.FromSeconds(Setting("TASKFLOW_HEALTH_TIMEOUT", 120)),
        s => Step($"{s.Name} healthy at {s.Url}", s.StartDuration),
        stopping.Token);

    Say("");
    Say($"TaskFlow is running ({total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s). Chat: {chatUrl}");
    Say($"  Metrics:    {services.Gateway.OperatorUrl}/metrics (the gateway's, for the operator; each service serves its own on its port)");
    Say($"  Logs:       {logs}{Path.DirectorySeparatorChar}*.log");
    Say($"  Redis:      {redis.ConnectionString}");
    Say($"  PostgreSQL: {postgres.ConnectionString}");
    Say($"  RabbitMQ:   {rabbit.ConnectionString}");
    Say($"  Chat model: {chat}");
    Say("Press Ctrl-C to stop.");

    var crashed = services.WhenAnyCrashesAsync(stopping.Token);
    var infraDown = WatchInfraAsync(stopping.Token, redis, postgres, rabbit);
    var first = await Task.WhenAny(crashed, infraDown, Task.Delay(Timeout.Infinite, stopping.Token));
    if (first == crashed && crashed.IsCompletedSuccessfully)
    {
        var dead = crashed.Result;
        Say($"{dead.Name} exited unexpectedly (code {dead.ExitCode}). Last lines of {dead.LogFile}:");
        Say(dead.ReadLogTail());
        exitCode = 2;
    }
    else if (first == infraDown && infraDown.IsCompletedSuccessfully)
    {
        var dead = infraDown.Result;
        Say($"{dead.Name} exited unexpectedly. Last lines of {dead.LogFile}:");
        Say(dead.ReadLogTail());
        exitCode = 2;
    }
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Ctrl-C while starting.
}
catch (InfraException e)
{
    Say("");
    Say("TaskFlow could not start:");
    Say(e.Message);
    exitCode = 1;
}
catch (Exception e)
{
    Say($"TaskFlow runner failed: {e}");
    exitCode = 1;
}
finally
{
    var stopClock = Stopwatch.StartNew();
    Say("Stopping services...");
    var graceful = Task.Run(async () =>
    {
        if (services is not null)
        {
            await services.StopAsync();
        }

        Say("Stopping RabbitMQ, PostgreSQL and Redis...");
        await Task.WhenAll(
            StopQuietly(rabbit),
            StopQuietly(postgres),
            StopQuietly(redis));
    });
    var forced = Task.Delay(Timeout.Infinite, forcing.Token);
    if (await Task.WhenAny(graceful, forced) != graceful)
    {
        Say("Killing everything...");
        if (services is not null)
        {
            await services.KillAsync();
        }

        foreach (var server in new InfraServer?[] { rabbit, postgres, redis })
        {
            if (server is not null)
            {
                await server.KillAsync();
            }
        }
    }

    if (services is not null)
    {
        await services.DisposeAsync();
    }

    foreach (var server in new InfraServer?[] { rabbit, postgres, redis })
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    Say($"Stopped ({stopClock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s). Data is kept in {local}.");
    foreach (var registration in signals)
    {
        registration.Dispose();
    }
}

return exitCode;

static async Task StopQuietly(InfraServer? server)
{
    if (server is null)
    {
        return;
    }

    try
    {
        await server.StopAsync();
    }
    catch (Exception e)
    {
        Console.WriteLine($"{server.Name} did not stop cleanly: {e.Message}");
    }
}

// "chatsocket=2,inferenceworker=3": how many processes of each service (1 where not named).
static bool TryParseReplicas(string? value, out Dictionary<string, int> replicas, out string? error)
{
    replicas = [];
    error = null;
    foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
        if (pair.Length != 2 || !TaskFlowTopology.ServiceNames.Contains(pair[0]) || pair[0] == TaskFlowTopology.Gateway
            || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 16)
        {
            error = $"'{part}' is not SERVICE=COUNT with SERVICE one of web, chatsocket, inferenceworker, telemetry and COUNT 1 to 16, " +
                "e.g. TASKFLOW_REPLICAS=chatsocket=2,inferenceworker=2";
            return false;
        }
        replicas[pair[0]] = count;
    }
    return true;
}

// Like Task.WhenAll, but throws as soon as one task fails (the others are cancelled with the run).
static async Task WhenAllOrFirstFailure(params Task[] tasks)
{
    var pending = tasks.ToList();
    while (pending.Count > 0)
    {
        var done = await Task.WhenAny(pending);
        pending.Remove(done);
        if (done.IsFaulted || done.IsCanceled)
        {
            // Let the others finish starting (their servers are then stopped with the rest).
            try
            {
                await Task.WhenAll(pending);
            }
            catch
            {
                // The first failure is the one reported.
            }

            await done;
        }
    }
}

static async Task<InfraServer> WatchInfraAsync(CancellationToken cancellationToken, params InfraServer[] servers)
{
    while (true)
    {
        await Task.Delay(1000, cancellationToken);
        if (servers.FirstOrDefault(s => !s.IsRunning) is { } dead)
        {
            return dead;
        }
    }
}
