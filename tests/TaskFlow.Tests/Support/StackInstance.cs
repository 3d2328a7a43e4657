using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Tests.Fakes;

namespace TaskFlow.Tests.Support;

/// <summary>
/// One running system under test, started by the real AppHost through Aspire.Hosting.Testing in executable mode (Redis,
/// PostgreSQL and RabbitMQ as local servers, the five services as processes), with the fake model server as its
/// <c>ConnectionStrings:chat</c>. Test settings reach the AppHost as configuration (<c>--Section:Key=value</c>, handed
/// on to every service as in <c>./run.sh</c>); the OTLP receiver, and for a stack whose servers are never killed a
/// database without fsync, are settings the test adds to the AppHost's own resources. <see cref="TaskFlowStack"/> is how tests get one.
/// </summary>
public sealed class StackInstance : IAsyncDisposable
{
    // A start alone takes under a minute; on a slow 2-core machine (about 2.5 times slower per core than the one most
    // of this suite was written on) with browser tests running beside it, one took just over 4 minutes.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    private readonly IReadOnlyList<string> _arguments;
    private readonly bool _durableDatabase;
    private readonly string _name;
    private readonly int _startOrder;
    private ResourceLogFiles? _logs;

    private StackInstance(string name, IReadOnlyList<string> arguments, bool durableDatabase, int startOrder)
    {
        _startOrder = startOrder;
        _name = name;
        _arguments = arguments;
        _durableDatabase = durableDatabase;
        DataDirectory = Path.Combine(Path.GetTempPath(), "taskflow-tests-" + Guid.NewGuid().ToString("N")[..12]);
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "service-logs",
            name + "-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    }

    public DistributedApplication App { get; private set; } = null!;

    public FakeModelServer Model { get; private set; } = null!;

    /// <summary>Receives every service's traces over OTLP, in place of the dashboard the testing builder leaves out.</summary>
    public FakeOtlpCollector Otlp { get; private set; } = null!;

    public StackServer Redis { get; private set; } = null!;

    /// <summary>PostgreSQL; its connection string is the services' (database taskflowdb).</summary>
    public StackServer Postgres { get; private set; } = null!;

    public StackServer RabbitMq { get; private set; } = null!;

    public StackServices Services { get; private set; } = null!;

    /// <summary>The gateway's public address.</summary>
    public Uri Gateway => App.GetEndpoint(ServiceNames.Gateway, "http");

    /// <summary>Where the servers keep their data for this run (deleted on dispose).</summary>
    public string DataDirectory { get; }

    /// <summary>Each resource's console output, one file per resource id, kept after the run for diagnosis.</summary>
    public string LogDirectory { get; }

    /// <param name="name">Names the folder of this stack's logs.</param>
    /// <param name="arguments">AppHost configuration on top of the shared settings, e.g. <c>--TASKFLOW_REPLICAS=chatsocket=2</c>.</param>
    /// <param name="durableDatabase">
    /// PostgreSQL as it runs for users, for a stack whose tests kill it: without fsync and synchronous commits a kill
    /// -9 loses the last commits, which no user's server would.
    /// </param>
    /// <param name="startOrder">Which of the stacks waiting to start goes first (<see cref="StartGate"/>): lower first.</param>
    public static async Task<StackInstance> StartAsync(string name, IReadOnlyList<string> arguments, bool durableDatabase, int startOrder)
    {
        var instance = new StackInstance(name, arguments, durableDatabase, startOrder);
        await instance.InitializeAsync();
        return instance;
    }

    private async Task InitializeAsync()
    {
        Model = await FakeModelServer.StartAsync();
        Otlp = await FakeOtlpCollector.StartAsync();
        IDistributedApplicationTestingBuilder? builder = null;
        try
        {
            // The testing builder's app starts as it is built (the AppHost's own Run goes on from there), so the gate
            // covers the build: without it every stack's dozen processes started at once. It covers the builder's
            // creation too: that runs the AppHost's entry point, which the testing library gives 5 minutes to reach
            // the build, and the last stack in line waited longer than that for the others' starts.
            using (await StartGate.EnterAsync(_startOrder, CancellationToken.None))
            {
                // The time limit is the start's own, not the wait for other AppHosts' starts.
                using var timeout = new CancellationTokenSource(StartTimeout);
                var ct = timeout.Token;
                try
                {
                    builder = await CreateBuilderAsync(ct);
                    App = await builder.BuildAsync(ct);
                    _logs = ResourceLogFiles.Record(App, LogDirectory);
                    await App.StartAsync(ct);
                    foreach (var name in ServiceNames.Infrastructure.Concat(ServiceNames.All))
                    {
                        await App.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    throw new TimeoutException($"The {_name} stack did not start within {StartTimeout.TotalMinutes} min: {DescribeResources()}");
                }
            }

            using var lookup = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Redis = StackServer.Redis(App, (await App.GetConnectionStringAsync("redis", lookup.Token))!);
            Postgres = StackServer.Postgres(App, (await App.GetConnectionStringAsync("taskflowdb", lookup.Token))!);
            RabbitMq = StackServer.RabbitMq(App, (await App.GetConnectionStringAsync("messaging", lookup.Token))!);
            Services = await StackServices.FindAsync(App, lookup.Token);
        }
        catch
        {
            if (App is null && builder is not null)
            {
                await builder.DisposeAsync();
            }

            await DisposeAsync();
            throw;
        }
    }

    private async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(CancellationToken ct)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.TaskFlow_AppHost>(
        [
            "--TaskFlow:Infrastructure=Executables",
            $"--TaskFlow:DataDirectory={DataDirectory}",
            $"--ConnectionStrings:chat={Model.ConnectionString}",
            // The orchestrator's own log (its service proxies' endpoints, every connection they forward, each process
            // start) beside the resources' logs: a replica that the proxy stopped sending to shows there, and nowhere else.
            $"--DcpPublisher:DiagnosticsLogFolder={Path.Combine(LogDirectory, "orchestrator")}",
            "--DcpPublisher:DiagnosticsLogLevel=debug",
            .. Settings(Model),
            .. _arguments,
        ], ct);
        builder.Services.AddLogging(logging => logging
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        SendTracesTo(builder, Otlp.Endpoint);
        if (!_durableDatabase)
        {
            // A test database nobody kills need not survive a crash: PostgreSQL takes the last -c of a setting.
            var postgres = builder.Resources.OfType<ExecutableResource>().Single(r => r.Name == "postgres");
            builder.CreateResourceBuilder(postgres).WithArgs("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
        }

        return builder;
    }

    /// <summary>Each resource's state and health checks, for a start that did not finish.</summary>
    private string DescribeResources() => App is null ? "the AppHost was not built" : string.Join("; ", App.Services.GetRequiredService<DistributedApplicationModel>().Resources
        .Select(r => App.ResourceNotifications.TryGetCurrentState(r.Name, out var e)
            ? $"{r.Name}: {e.Snapshot.State?.Text} {string.Join(", ", e.Snapshot.HealthReports.Select(h => $"{h.Name} {h.Status} {h.Description ?? h.ExceptionText?.Split('\n')[0]}"))}"
            : $"{r.Name}: no state"));

    /// <summary>What every stack's services are given: quick probes and idle phases, three catalog models on the fake.</summary>
    private static IEnumerable<string> Settings(FakeModelServer model)
    {
        static string Span(TimeSpan t) => t.ToString("c", CultureInfo.InvariantCulture);
        return
        [
            // Tests want a model server noticed quickly, and the idle phases short enough to observe.
            "--Models:ProbeInterval=00:00:02",
            // An operator's sampler reaches every service (what Aspire sets is always_on); this one keeps every trace.
            $"--{TaskFlowStack.TraceSamplerVariable}={TaskFlowStack.TraceSampler}",
            // The queue demo's 10 calls a minute would throttle the suite; the rate-limit test uses its own model.
            "--Inference:RateLimitPerMinute=100000",
            "--Inference:RetryBaseDelay=00:00:00.200",
            // A second model on the same fake server with the queue demo's kind of limit, for the rate-limit test.
            $"--Models:Catalog:0:Id={TaskFlowStack.RateLimitedModel}",
            "--Models:Catalog:0:DisplayName=Fake model, 3 calls a minute",
            "--Models:Catalog:0:Provider=Ollama",
            $"--Models:Catalog:0:Endpoint={model.BaseAddress}",
            $"--Models:Catalog:0:Model={FakeModelServer.ModelName}",
            $"--Models:Catalog:0:RateLimitPerMinute={TaskFlowStack.RateLimitedModelPerMinute.ToString(CultureInfo.InvariantCulture)}",
            // The same fake speaking the OpenAI API, so the worker's OpenAI SDK client runs too; its provider name differs from the id.
            $"--Models:Catalog:1:Id={TaskFlowStack.OpenAiModel}",
            "--Models:Catalog:1:DisplayName=Fake OpenAI-compatible model",
            "--Models:Catalog:1:Provider=OpenAI",
            $"--Models:Catalog:1:Endpoint={model.OpenAiBaseAddress}",
            $"--Models:Catalog:1:Model={FakeModelServer.OpenAiModelName}",
            $"--Models:Catalog:1:Key={TaskFlowStack.OpenAiApiKey}",
            $"--Models:Catalog:2:Id={TaskFlowStack.UnreachableModel}",
            "--Models:Catalog:2:DisplayName=Fake model whose server is down",
            "--Models:Catalog:2:Provider=Ollama",
            "--Models:Catalog:2:Endpoint=http://127.0.0.1:9",
            $"--Chat:Engagement:IdleNudgeAfter={Span(TaskFlowStack.IdleNudgeAfter)}",
            $"--Chat:Engagement:IdleEndAfter={Span(TaskFlowStack.IdleEndAfter)}",
            $"--Chat:Engagement:TypingNudgeAfter={Span(TaskFlowStack.TypingNudgeAfter)}",
        ];
    }

    /// <summary>
    /// Aspire still sets OTEL_EXPORTER_OTLP_ENDPOINT (to a dashboard the testing builder does not start); a callback
    /// added after its own overrides it, and shortens the batches so tests see spans within a second. The same callback
    /// sets the runtime for a crowded machine.
    /// </summary>
    private static void SendTracesTo(IDistributedApplicationTestingBuilder builder, Uri collector)
    {
        var endpoint = collector.ToString().TrimEnd('/');
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project).WithEnvironment(context =>
            {
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint;
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_HEADERS");
                context.EnvironmentVariables["OTEL_BSP_SCHEDULE_DELAY"] = "500";
                context.EnvironmentVariables["OTEL_METRIC_EXPORT_INTERVAL"] = "60000";
                // Two stacks and an AppHost run seventeen service processes on two cores: each with server GC's
                // heap and threads per core, and tiered PGO's instrumented recompiles, cost CPU the tests wait for
                // (13 % of a stack's start-up here). How the services collect garbage is not what the tests check.
                context.EnvironmentVariables["DOTNET_gcServer"] = "0";
                context.EnvironmentVariables["DOTNET_TieredPGO"] = "0";
            });
        }
    }

    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync(CancellationToken.None);
            if (_logs is not null)
            {
                await _logs.DisposeAsync();
            }

            await App.DisposeAsync();
        }

        if (Model is not null)
        {
            await Model.DisposeAsync();
        }

        if (Otlp is not null)
        {
            await Otlp.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A server still writing as it goes: the folder is under the temp folder anyway.
        }
    }
}
