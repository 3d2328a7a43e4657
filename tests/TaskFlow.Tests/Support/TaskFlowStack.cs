using Npgsql;
using TaskFlow.LocalInfra;
using TaskFlow.Tests.Fakes;

namespace TaskFlow.Tests.Support;

/// <summary>
/// The whole system for integration tests: real Redis, PostgreSQL and RabbitMQ on free loopback ports, the fake
/// model server, and the five services as processes configured with exactly the contract's variables.
/// Started once per test run (a collection fixture); tests isolate themselves by their own conversations.
/// A derived fixture (see <see cref="RestartableStack"/>) gets a second, separate instance with its own settings.
/// </summary>
public class TaskFlowStack : IAsyncLifetime
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(120);

    public const string RateLimitedModel = "fake-limited";
    public const int RateLimitedModelPerMinute = 3;

    /// <summary>A catalog model on the fake's OpenAI API, called through the worker's OpenAI-compatible provider.</summary>
    public const string OpenAiModel = "fake-openai";

    /// <summary>A catalog model whose server is never there (nothing listens on the discard port), so it is always unreachable.</summary>
    public const string UnreachableModel = "fake-down";

    /// <summary>The key the worker is configured with for <see cref="OpenAiModel"/>; a made-up value, not a secret.</summary>
    public const string OpenAiApiKey = "sk-taskflow-tests-0123456789";

    public static readonly TimeSpan IdleNudgeAfter = TimeSpan.FromSeconds(2.5);
    public static readonly TimeSpan IdleEndAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan TypingNudgeAfter = TimeSpan.FromSeconds(1.5);

    /// <summary>Empty for the shared stack; otherwise set before every folder name of a second stack.</summary>
    private readonly string _prefix;
    private readonly bool _durableRedis;
    private readonly IReadOnlyDictionary<string, string> _extraEnvironment;
    private readonly IReadOnlyDictionary<string, int>? _replicas;

    public TaskFlowStack()
        : this("", durableRedis: false, new Dictionary<string, string>())
    {
    }

    /// <param name="name">Names the servers' and logs' folders, so two stacks started in the same second keep apart.</param>
    /// <param name="durableRedis">Redis with its append-only file, as the AppHost runs redis-server, so a restart keeps its data.</param>
    /// <param name="extraEnvironment">Settings for every service on top of (and overriding) the shared ones.</param>
    /// <param name="replicas">Processes per service where more than one (see <see cref="TaskFlowTopology.Create"/>).</param>
    protected TaskFlowStack(string name, bool durableRedis, IReadOnlyDictionary<string, string> extraEnvironment, IReadOnlyDictionary<string, int>? replicas = null)
    {
        _prefix = name.Length == 0 ? "" : name + "-";
        _durableRedis = durableRedis;
        _extraEnvironment = extraEnvironment;
        _replicas = replicas;
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "service-logs",
            _prefix + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
    }

    public RedisServer Redis { get; private set; } = null!;

    public PostgresServer Postgres { get; private set; } = null!;

    public RabbitMqServer RabbitMq { get; private set; } = null!;

    public FakeModelServer Model { get; private set; } = null!;

    /// <summary>Receives every service's traces over OTLP, as the Aspire dashboard would.</summary>
    public FakeOtlpCollector Otlp { get; private set; } = null!;

    public TaskFlowServices Services { get; private set; } = null!;

    public Uri Gateway => new(Services.Gateway.Url);

    /// <summary>Where each service's log goes, kept after the run for diagnosis.</summary>
    public string LogDirectory { get; }

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartAsync(InfraOptions.ForTests(_prefix + "redis", durable: _durableRedis));
        var postgres = PostgresServer.StartAsync(InfraOptions.ForTests(_prefix + "postgres"));
        var rabbit = RabbitMqServer.StartAsync(InfraOptions.ForTests(_prefix + "rabbitmq"));
        Model = await FakeModelServer.StartAsync();
        Otlp = await FakeOtlpCollector.StartAsync();
        Redis = await redis;
        Postgres = await postgres;
        RabbitMq = await rabbit;

        var topology = TaskFlowTopology.Create(new InfraConnections(Redis.ConnectionString, Postgres.ConnectionString, RabbitMq.ConnectionString, Model.ConnectionString), replicas: _replicas);
        var environment = new Dictionary<string, string>
        {
            // Tests want a model server noticed quickly, and the idle phases short enough to observe.
            ["Models__ProbeInterval"] = "00:00:02",
            // The standard OTEL_* variables, as the AppHost sets them for its dashboard; short batches for quick tests.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
            // The queue demo's 10 calls a minute would throttle the suite; the rate-limit test uses its own model.
            ["Inference__RateLimitPerMinute"] = "100000",
            ["Inference__RetryBaseDelay"] = "00:00:00.200",
            // A second model on the same fake server with the queue demo's kind of limit, for the rate-limit test.
            ["Models__Catalog__0__Id"] = RateLimitedModel,
            ["Models__Catalog__0__DisplayName"] = "Fake model, 3 calls a minute",
            ["Models__Catalog__0__Provider"] = "Ollama",
            ["Models__Catalog__0__Endpoint"] = Model.BaseAddress.ToString(),
            ["Models__Catalog__0__Model"] = FakeModelServer.ModelName,
            ["Models__Catalog__0__RateLimitPerMinute"] = RateLimitedModelPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The same fake speaking the OpenAI API, so the worker's OpenAI SDK client runs too; its provider name differs from the id.
            ["Models__Catalog__1__Id"] = OpenAiModel,
            ["Models__Catalog__1__DisplayName"] = "Fake OpenAI-compatible model",
            ["Models__Catalog__1__Provider"] = "OpenAI",
            ["Models__Catalog__1__Endpoint"] = Model.OpenAiBaseAddress.ToString(),
            ["Models__Catalog__1__Model"] = FakeModelServer.OpenAiModelName,
            ["Models__Catalog__1__Key"] = OpenAiApiKey,
            ["Models__Catalog__2__Id"] = UnreachableModel,
            ["Models__Catalog__2__DisplayName"] = "Fake model whose server is down",
            ["Models__Catalog__2__Provider"] = "Ollama",
            ["Models__Catalog__2__Endpoint"] = "http://127.0.0.1:9",
            ["Chat__Engagement__IdleNudgeAfter"] = IdleNudgeAfter.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Chat__Engagement__IdleEndAfter"] = IdleEndAfter.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Chat__Engagement__TypingNudgeAfter"] = TypingNudgeAfter.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in _extraEnvironment)
        {
            environment[key] = value;
        }
        Services = TaskFlowServices.Start(topology, new TaskFlowServicesOptions { LogDirectory = LogDirectory, ExtraEnvironment = environment });
        try
        {
            await Services.WaitHealthyAsync(HealthTimeout);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task DisposeAsync()
    {
        if (Services is not null)
        {
            await Services.DisposeAsync();
        }
        if (Model is not null)
        {
            await Model.DisposeAsync();
        }
        if (Otlp is not null)
        {
            await Otlp.DisposeAsync();
        }
        foreach (var server in new InfraServer?[] { RabbitMq, Postgres, Redis })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<TaskFlowStack>
{
    public const string Name = "TaskFlow stack";
}
