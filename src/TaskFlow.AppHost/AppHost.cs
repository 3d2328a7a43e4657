// TaskFlow's Aspire AppHost: the one place that starts Redis, PostgreSQL, RabbitMQ and the five services. Resource
// names and the keys each service reads are the configuration contract (docs/configuration.md):
// ConnectionStrings:{redis,taskflowdb,messaging,chat}, services:<name>:http:0 and OTEL_*.
using TaskFlow.AppHost.Configuration;
using TaskFlow.AppHost.Infrastructure;
using TaskFlow.AppHost.Supervision;

var builder = DistributedApplication.CreateBuilder(args);

// ./run.sh's settings (TASKFLOW_PORT, TASKFLOW_REPLICAS, ...; `./run.sh --help`), from the AppHost's configuration.
LocalRunSettings.ApplyChatSetting(builder.Configuration);
if (!LocalRunSettings.TryRead(builder.Configuration, out var settings, out var settingsError))
{
    Console.Error.WriteLine(settingsError);
    return 2;
}

// Containers where a runtime answers, local executables (Debian packages) where none does; TaskFlow:Infrastructure overrides.
var mode = InfrastructureModeDetection.Resolve(builder);

// A process that dies on its own is started again, alone; the rest keeps running.
builder.RestartCrashedResources();

var redis = builder.AddTaskFlowRedis("redis", mode).WithServerPort(settings.RedisPort);
var taskflowDb = builder.AddTaskFlowPostgres("postgres", "taskflowdb", mode).WithServerPort(settings.PostgresPort);
var messaging = builder.AddTaskFlowRabbitMQ("messaging", mode).WithServerPort(settings.RabbitMQPort);

// The default chat model: the AppHost's own ConnectionStrings:chat (appsettings.json: a local Ollama; the worker
// answers with its offline model while none answers), e.g. "Endpoint=https://host/v1;Key=...;Model=...;Provider=openai".
var chat = builder.AddConnectionString("chat");

// Services run as users run them (Production: problem details, never a stack trace): a project's environment comes
// from its own launch profile otherwise, not from the AppHost. Their telemetry still goes to the dashboard over OTLP.
// Each maps /health in every environment, so WithHttpHealthCheck turns healthy and WaitFor means "healthy".
// DOTNET_TC_CallCountingDelayMs=0: .NET holds back optimizing hot code while new methods are still being compiled,
// and a service under steady load keeps compiling some, so it ran unoptimized code for well over a minute after a
// start: after the benchmark's warm-up, ChatSocket, the worker and Telemetry were still optimizing 100 methods a
// second; with the delay at 0 the machine spent 30 % less CPU per answer there (docs/benchmarks.md).
IResourceBuilder<ProjectResource> Service<TProject>(string name)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Production")
        .WithEnvironment("DOTNET_ENVIRONMENT", "Production")
        .WithEnvironment("DOTNET_TC_CallCountingDelayMs", "0")
        .WithLocalRunSettings(settings);

var web = Service<Projects.TaskFlow_Web>("web")
    .WithDirectEndpointWhenSingle(settings)
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(taskflowDb).WaitFor(taskflowDb);

var chatSocket = Service<Projects.TaskFlow_ChatSocket>("chatsocket")
    .WithDirectEndpointWhenSingle(settings)
    .WithHttp2EndpointWhenSingle(settings)
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(taskflowDb).WaitFor(taskflowDb)
    .WithReference(messaging).WaitFor(messaging);

var worker = Service<Projects.TaskFlow_InferenceWorker>("inferenceworker")
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(chat);

// Telemetry reads the site's sign-in cookie, whose Data Protection keys live in Redis.
var telemetry = Service<Projects.TaskFlow_Telemetry>("telemetry")
    .WithDirectEndpointWhenSingle(settings)
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(taskflowDb).WaitFor(taskflowDb)
    .WithReference(messaging).WaitFor(messaging);

// The gateway is the one public origin; WithReference(project) gives it services__<name>__http__0 for its YARP
// routes. Its /metrics and /health answer only on the "management" endpoint (Management:Port), which is not external.
Service<Projects.TaskFlow_Gateway>("gateway")
    .WithExternalHttpEndpoints()
    .WithGatewayPorts(settings)
    .WithHttpHealthCheck("/health", endpointName: "management")
    .WithReference(web).WaitFor(web)
    .WithReference(chatSocket).WaitFor(chatSocket)
    .WithReference(telemetry).WaitFor(telemetry)
    .AnnounceWhenReady(worker.Resource);

builder.Build().Run();
return 0;
