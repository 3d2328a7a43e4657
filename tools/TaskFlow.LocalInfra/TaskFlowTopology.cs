using System.Globalization;

namespace TaskFlow.LocalInfra;

/// <summary>The connection strings of the shared infrastructure, in the contract's shapes.</summary>
/// <param name="Redis"><c>127.0.0.1:PORT</c></param>
/// <param name="TaskflowDb"><c>Host=...;Port=...;Username=...;Password=...;Database=taskflowdb</c></param>
/// <param name="Messaging"><c>amqp://guest:guest@127.0.0.1:PORT</c></param>
/// <param name="Chat"><c>Endpoint=http://...;Model=qwen3</c></param>
public sealed record InfraConnections(string Redis, string TaskflowDb, string Messaging, string Chat)
{
    /// <summary>Default chat model: a local Ollama (the worker falls back to its offline model when it is unreachable).</summary>
    public const string DefaultChat = "Endpoint=http://127.0.0.1:11434;Model=qwen3";
}

/// <summary>One service of the topology: its port and the exact environment the contract gives it.</summary>
public sealed record ServiceDefinition(string Name, string ProjectName, int Port, IReadOnlyDictionary<string, string> Environment, string? Service = null)
{
    /// <summary>The contract's service name (<c>chatsocket</c>), shared by its replicas (<c>chatsocket-2</c>…).</summary>
    public string ServiceName => Service ?? Name;

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The five services, what each references, and the environment variables that follow (Aspire parity).</summary>
public static class TaskFlowTopology
{
    public const string Gateway = "gateway";
    public const string Web = "web";
    public const string ChatSocket = "chatsocket";
    public const string InferenceWorker = "inferenceworker";
    public const string Telemetry = "telemetry";

    /// <summary>Key in <c>ports</c> of <see cref="Create"/> for the gateway's management port (/metrics, /health).</summary>
    public const string GatewayManagement = "gateway-management";

    /// <summary>The variable that gives a service its management port.</summary>
    public const string ManagementPortVariable = "Management__Port";

    /// <summary>All service names, gateway first.</summary>
    public static IReadOnlyList<string> ServiceNames { get; } = [Gateway, Web, ChatSocket, InferenceWorker, Telemetry];

    /// <summary>The project (and assembly) name of a service.</summary>
    public static string ProjectName(string service) => service switch
    {
        Gateway => "TaskFlow.Gateway",
        Web => "TaskFlow.Web",
        ChatSocket => "TaskFlow.ChatSocket",
        InferenceWorker => "TaskFlow.InferenceWorker",
        Telemetry => "TaskFlow.Telemetry",
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Unknown TaskFlow service."),
    };

    /// <summary>
    /// A port per service (from <paramref name="ports"/> where given and non-zero, else a free one) and the contract's
    /// variables: gateway → services__{web,chatsocket,telemetry}__http__0 and Management__Port (its /metrics and /health
    /// answer only there; port from <paramref name="ports"/>[<see cref="GatewayManagement"/>] or a free one); web → redis, taskflowdb; chatsocket → redis,
    /// taskflowdb, messaging; inferenceworker → redis, messaging, chat; telemetry → redis, taskflowdb, messaging.
    /// <paramref name="replicas"/> runs more processes of a service (not the gateway, the one public endpoint), named
    /// <c>chatsocket</c>, <c>chatsocket-2</c>, …, each on its own port; the gateway gets one address per replica
    /// (<c>services__chatsocket__http__0</c>, <c>__1</c>, …), as it would for several machines.
    /// </summary>
    public static IReadOnlyList<ServiceDefinition> Create(
        InfraConnections infra, IReadOnlyDictionary<string, int>? ports = null, IReadOnlyDictionary<string, int>? replicas = null)
    {
        ArgumentNullException.ThrowIfNull(infra);
        int Count(string service) => replicas is not null && replicas.TryGetValue(service, out var n) ? n : 1;
        foreach (var (service, count) in replicas ?? new Dictionary<string, int>())
        {
            if (!ServiceNames.Contains(service) || count < 1 || (service == Gateway && count != 1))
            {
                throw new ArgumentOutOfRangeException(nameof(replicas), $"{service}={count}: replicas are 1 or more of web, chatsocket, inferenceworker or telemetry; the gateway is the one public endpoint.");
            }
        }

        var instances = ServiceNames.SelectMany(n => Enumerable.Range(1, Count(n)).Select(i => (Service: n, Name: ReplicaName(n, i)))).ToList();
        var port = instances.ToDictionary(i => i.Name, i => ports is not null && ports.TryGetValue(i.Name, out var p) && p > 0 ? p : FreePort.Get());
        var managementPort = ports is not null && ports.TryGetValue(GatewayManagement, out var mp) && mp > 0 ? mp : FreePort.Get();
        string Url(string name) => $"http://127.0.0.1:{port[name].ToString(CultureInfo.InvariantCulture)}";

        var redis = KeyValuePair.Create("ConnectionStrings__redis", infra.Redis);
        var db = KeyValuePair.Create("ConnectionStrings__taskflowdb", infra.TaskflowDb);
        var messaging = KeyValuePair.Create("ConnectionStrings__messaging", infra.Messaging);
        var chat = KeyValuePair.Create("ConnectionStrings__chat", infra.Chat);
        IEnumerable<KeyValuePair<string, string>> Service(string name) => Enumerable.Range(1, Count(name))
            .Select(i => KeyValuePair.Create($"services__{name}__http__{(i - 1).ToString(CultureInfo.InvariantCulture)}", Url(ReplicaName(name, i))));

        var env = new Dictionary<string, KeyValuePair<string, string>[]>
        {
            [Gateway] = [.. Service(Web), .. Service(ChatSocket), .. Service(Telemetry),
                KeyValuePair.Create(ManagementPortVariable, managementPort.ToString(CultureInfo.InvariantCulture))],
            [Web] = [redis, db],
            [ChatSocket] = [redis, db, messaging],
            [InferenceWorker] = [redis, messaging, chat],
            [Telemetry] = [redis, db, messaging],
        };

        return [.. instances.Select(i => new ServiceDefinition(i.Name, ProjectName(i.Service), port[i.Name], new Dictionary<string, string>(env[i.Service]), i.Service))];
    }

    /// <summary>The process name of a service's <paramref name="replica"/>th replica (1-based): the service's name, then name-2, name-3….</summary>
    public static string ReplicaName(string service, int replica) =>
        replica == 1 ? service : $"{service}-{replica.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Options for <see cref="TaskFlowServices.Start"/>.</summary>
public sealed record TaskFlowServicesOptions
{
    /// <summary>Folder for NAME.log files; default a fresh folder under the temp directory.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>ASPNETCORE_ENVIRONMENT: Production, what users run, unless a caller asks otherwise.</summary>
    public string EnvironmentName { get; init; } = "Production";

    public string? RepoRoot { get; init; }

    public string? Configuration { get; init; }

    /// <summary>Extra variables for every service (e.g. OTEL_EXPORTER_OTLP_ENDPOINT, feature switches for tests).</summary>
    public IReadOnlyDictionary<string, string>? ExtraEnvironment { get; init; }
}

/// <summary>The five services as child processes.</summary>
public sealed class TaskFlowServices : IAsyncDisposable
{
    private readonly Dictionary<string, ServiceProcess> _byName;

    private TaskFlowServices(IReadOnlyList<ServiceProcess> all)
    {
        All = all;
        _byName = all.ToDictionary(s => s.Name);
    }

    public IReadOnlyList<ServiceProcess> All { get; }

    public ServiceProcess this[string name] => _byName[name];

    public ServiceProcess Gateway => _byName[TaskFlowTopology.Gateway];

    /// <summary>Launches every service of <paramref name="topology"/> at once (call <see cref="WaitHealthyAsync"/> next).</summary>
    public static TaskFlowServices Start(IEnumerable<ServiceDefinition> topology, TaskFlowServicesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        options ??= new TaskFlowServicesOptions();
        var logDir = options.LogDirectory ?? Path.Combine(Path.GetTempPath(), "taskflow-services", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(logDir);
        var started = new List<ServiceProcess>();
        try
        {
            foreach (var definition in topology)
            {
                var env = new Dictionary<string, string>(definition.Environment);
                foreach (var (key, value) in options.ExtraEnvironment ?? new Dictionary<string, string>())
                {
                    env[key] = value;
                }

                started.Add(ServiceProcess.Start(new ServiceProcessOptions
                {
                    Name = definition.Name,
                    ServiceName = definition.ServiceName,
                    ProjectName = definition.ProjectName,
                    Port = definition.Port,
                    Environment = env,
                    LogFile = Path.Combine(logDir, definition.Name + ".log"),
                    EnvironmentName = options.EnvironmentName,
                    RepoRoot = options.RepoRoot,
                    Configuration = options.Configuration,
                }));
            }
        }
        catch
        {
            foreach (var service in started)
            {
                service.KillAsync().GetAwaiter().GetResult();
            }

            throw;
        }

        return new TaskFlowServices(started);
    }

    /// <summary>Waits until every service answers /health with 200.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = All.Select(s => s.WaitHealthyAsync(timeout, cts.Token)).ToList();
        try
        {
            // Fail on the first failure rather than waiting for the slowest.
            while (tasks.Count > 0)
            {
                var done = await Task.WhenAny(tasks);
                tasks.Remove(done);
                await done;
            }
        }
        finally
        {
            await cts.CancelAsync();
        }
    }

    /// <summary>Stops the gateway first (no new requests), then the others together.</summary>
    public async Task StopAsync()
    {
        if (_byName.TryGetValue(TaskFlowTopology.Gateway, out var gateway))
        {
            await gateway.StopAsync();
        }

        await Task.WhenAll(All.Where(s => s.Name != TaskFlowTopology.Gateway).Select(s => s.StopAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var service in All)
        {
            await service.DisposeAsync();
        }
    }
}
