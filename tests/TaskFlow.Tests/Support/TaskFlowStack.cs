using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Npgsql;
using TaskFlow.Tests.Fakes;

namespace TaskFlow.Tests.Support;

/// <summary>
/// The system under test as a test class gets it (see <see cref="StackInstance"/> for what runs). The default one is
/// shared by every collection that names it, so that the shared stack's tests run in several collections at once on
/// one AppHost; it stops when the test process ends. A derived fixture (<see cref="RestartableStack"/>) starts an
/// AppHost of its own with its own settings and stops it after its collection.
/// </summary>
public class TaskFlowStack : IAsyncLifetime
{
    public const string RateLimitedModel = "fake-limited";
    public const int RateLimitedModelPerMinute = 3;

    /// <summary>A catalog model on the fake's OpenAI API, called through the worker's OpenAI-compatible provider.</summary>
    public const string OpenAiModel = "fake-openai";

    /// <summary>A catalog model whose server is never there (nothing listens on the discard port), so it is always unreachable.</summary>
    public const string UnreachableModel = "fake-down";

    /// <summary>The key the worker is configured with for <see cref="OpenAiModel"/>; a made-up value, not a secret.</summary>
    public const string OpenAiApiKey = "sk-taskflow-tests-0123456789";

    /// <summary>A trace sampler given to the AppHost, as an operator gives one; it samples every trace, as Aspire's default does.</summary>
    public const string TraceSamplerVariable = "OTEL_TRACES_SAMPLER";
    public const string TraceSampler = "parentbased_always_on";

    public static readonly TimeSpan IdleNudgeAfter = TimeSpan.FromSeconds(2.5);
    public static readonly TimeSpan IdleEndAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan TypingNudgeAfter = TimeSpan.FromSeconds(1.5);

    private static readonly SemaphoreSlim s_sharedGate = new(1, 1);
    private static Task<StackInstance>? s_shared;

    private readonly string? _name;
    private readonly IReadOnlyList<string> _arguments;
    private readonly bool _durableDatabase;
    private readonly int _startOrder;
    private StackInstance? _instance;

    /// <summary>The shared stack.</summary>
    public TaskFlowStack()
    {
        _arguments = [];
    }

    /// <param name="name">Names the folder of this stack's logs.</param>
    /// <param name="arguments">AppHost configuration on top of the shared settings, e.g. <c>--TASKFLOW_REPLICAS=chatsocket=2</c>.</param>
    /// <param name="durableDatabase">PostgreSQL with its production durability, for tests that kill it.</param>
    /// <param name="startOrder">
    /// After the shared stack (0), which three collections use, lower first: the stack with the longest tests should start
    /// before the others.
    /// </param>
    protected TaskFlowStack(string name, IReadOnlyList<string> arguments, bool durableDatabase, int startOrder)
    {
        _startOrder = startOrder;
        _name = name;
        _arguments = arguments;
        _durableDatabase = durableDatabase;
    }

    private StackInstance Instance => _instance ?? throw new InvalidOperationException("The stack has not started.");

    public DistributedApplication App => Instance.App;

    public FakeModelServer Model => Instance.Model;

    /// <summary>Receives every service's traces over OTLP, in place of the dashboard the testing builder leaves out.</summary>
    public FakeOtlpCollector Otlp => Instance.Otlp;

    public StackServer Redis => Instance.Redis;

    /// <summary>PostgreSQL; its connection string is the services' (database taskflowdb).</summary>
    public StackServer Postgres => Instance.Postgres;

    public StackServer RabbitMq => Instance.RabbitMq;

    public StackServices Services => Instance.Services;

    /// <summary>The gateway's public address.</summary>
    public Uri Gateway => Instance.Gateway;

    /// <summary>Each resource's console output, one file per resource id, kept after the run for diagnosis.</summary>
    public string LogDirectory => Instance.LogDirectory;

    /// <summary>Where the servers keep their data, laid out as under <c>./run.sh</c> (postgres/pgdata, redis, …).</summary>
    public string DataDirectory => Instance.DataDirectory;

    /// <summary>
    /// The sum of a metric's samples on one process's /metrics; with <paramref name="label"/> (<c>name="value"</c>), of
    /// the samples that carry it.
    /// </summary>
    public async Task<double> MetricAsync(string process, string metric, string? label = null)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(new Uri(Services[process].OperatorUrl), "/metrics"));
        return Regex.Matches(text, $@"^{Regex.Escape(metric)}(?:\{{([^}}]*)\}})? (\S+)", RegexOptions.Multiline)
            .Where(match => label is null || match.Groups[1].Value.Split(',').Contains(label))
            .Sum(match => double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The process of every server and service process by resource id (a service's <c>dotnet run</c> launcher):
    /// what a crash elsewhere may not change.
    /// </summary>
    public IReadOnlyDictionary<string, int> ProcessIds() =>
        new[] { Redis, Postgres, RabbitMq }.Select(server => (Id: server.Name, Pid: server.ProcessId))
            .Concat(Services.All.Select(service => (Id: service.ResourceId, Pid: service.LauncherProcessId)))
            .ToDictionary(p => p.Id, p => p.Pid);

    public Task<NpgsqlConnection> OpenDatabaseAsync() => Instance.OpenDatabaseAsync();

    public async Task InitializeAsync()
    {
        if (_name is not null)
        {
            _instance = await StackInstance.StartAsync(_name, _arguments, _durableDatabase, _startOrder);
            return;
        }

        await s_sharedGate.WaitAsync();
        try
        {
            if (s_shared is null || s_shared.IsFaulted)
            {
                // Three collections share its one worker at once, and the page's idle check-ins and the user-limit
                // tests' held answers take slots too: with the default three, one test's turn could wait out another's.
                s_shared = StackInstance.StartAsync("shared", ["--Inference:MaxConcurrentJobs=24"], durableDatabase: false, startOrder: 0);
                // The shared AppHost outlives every collection that uses it; DCP would stop its processes when this
                // process ends anyway, but a clean stop lets the servers flush and leaves no data folder behind.
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    if (s_shared is { IsCompletedSuccessfully: true } started)
                    {
                        started.Result.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
                    }
                };
            }
        }
        finally
        {
            s_sharedGate.Release();
        }

        _instance = await s_shared;
    }

    public async Task DisposeAsync()
    {
        if (_name is not null && _instance is not null)
        {
            await _instance.DisposeAsync();
        }
    }
}

/// <summary>Tests of the shared stack that run beside the browser tests.</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<TaskFlowStack>
{
    public const string Name = "TaskFlow stack";
}

/// <summary>Half the browser tests, beside the other half and the rest of the shared stack's tests.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<TaskFlowStack>
{
    public const string Name = "TaskFlow stack, browser";
}

/// <summary>The other half of the browser tests.</summary>
[CollectionDefinition(Name)]
public sealed class SecondBrowserCollection : ICollectionFixture<TaskFlowStack>
{
    public const string Name = "TaskFlow stack, second browser";
}
