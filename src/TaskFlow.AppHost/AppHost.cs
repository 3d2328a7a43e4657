// TaskFlow's Aspire 13.1 AppHost. Resource names and the keys each service reads are the configuration contract
// (docs/aspire.md): ConnectionStrings:{redis,taskflowdb,messaging,chat}, services:<name>:http:0 and OTEL_*.
// Every API used here was read in dotnet/aspire at tag v13.1.0 and CommunityToolkit/Aspire at tag v13.1.0;
// docs/aspire.md lists the files.

var builder = DistributedApplication.CreateBuilder(args);

// Switches, from the AppHost's configuration (appsettings.json, user secrets, TaskFlow__X variables or --TaskFlow:X=...).
var useExternalModel = IsTrue(builder.Configuration["TaskFlow:UseExternalModel"]);
var ollamaModel = builder.Configuration["TaskFlow:OllamaModel"] is { Length: > 0 } model ? model : "qwen3";
var ollamaGpu = builder.Configuration["TaskFlow:OllamaGpu"];
var rabbitMqManagement = builder.Configuration["TaskFlow:RabbitMQManagement"] is not { Length: > 0 } management
    || IsTrue(management);

// Redis: ConnectionStrings:redis = "host:port,password=...". Aspire 13.1 turns on TLS for Redis (and appends
// ",ssl=true") whenever a developer certificate is usable; the services talk plain TCP to it, so opt out.
#pragma warning disable ASPIRECERTIFICATES001 // WithoutHttpsCertificate is marked experimental in 13.1.
var redis = builder.AddRedis("redis")
    .WithoutHttpsCertificate()
    .WithDataVolume();
#pragma warning restore ASPIRECERTIFICATES001

// PostgreSQL: ConnectionStrings:taskflowdb = "Host=...;Port=...;Username=postgres;Password=...;Database=taskflowdb".
// One database; every service owns its own schema in it and migrates it itself.
var taskflowDb = builder.AddPostgres("postgres")
    .WithDataVolume()
    .AddDatabase("taskflowdb");

// RabbitMQ: ConnectionStrings:messaging = "amqp://guest:...@host:port".
var messaging = builder.AddRabbitMQ("messaging")
    .WithDataVolume();
if (rabbitMqManagement)
{
    messaging.WithManagementPlugin();
}

// The default chat model: ConnectionStrings:chat.
//  - default: an Ollama container pulling the model; the value is "Endpoint=http://host:port;Model=qwen3".
//  - TaskFlow:UseExternalModel=true: the AppHost's own ConnectionStrings:chat is passed through as is, e.g.
//    "Endpoint=https://api.example.com/v1;Key=...;Model=...;Provider=openai" for any OpenAI-compatible endpoint.
IResourceBuilder<IResourceWithConnectionString> chat;
IResourceBuilder<IResource>? modelServer = null;
if (useExternalModel)
{
    chat = builder.AddConnectionString("chat");
}
else
{
    var ollama = builder.AddOllama("ollama")
        .WithDataVolume();
    if (string.Equals(ollamaGpu, "nvidia", StringComparison.OrdinalIgnoreCase))
    {
        ollama.WithGPUSupport(OllamaGpuVendor.Nvidia);
    }
    else if (string.Equals(ollamaGpu, "amd", StringComparison.OrdinalIgnoreCase))
    {
        ollama.WithGPUSupport(OllamaGpuVendor.AMD);
    }

    chat = ollama.AddModel("chat", ollamaModel);
    modelServer = ollama;
}

// Services. Each maps /health in every environment (Aspire's own template maps it in Development only, and
// ASPNETCORE_ENVIRONMENT comes from each project's launchSettings.json, not from the AppHost).
var web = builder.AddProject<Projects.TaskFlow_Web>("web")
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(taskflowDb).WaitFor(taskflowDb);

var chatSocket = builder.AddProject<Projects.TaskFlow_ChatSocket>("chatsocket")
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(taskflowDb).WaitFor(taskflowDb)
    .WithReference(messaging).WaitFor(messaging);

var inferenceWorker = builder.AddProject<Projects.TaskFlow_InferenceWorker>("inferenceworker")
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(chat);
if (modelServer is not null)
{
    // Wait for the Ollama server, not for the model pull (gigabytes on a first run): the worker probes its
    // models itself and switches to the real one as soon as Ollama has it.
    inferenceWorker.WaitFor(modelServer);
}

// Telemetry reads the site's sign-in cookie, whose Data Protection keys live in Redis.
var telemetry = builder.AddProject<Projects.TaskFlow_Telemetry>("telemetry")
    .WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithReference(taskflowDb).WaitFor(taskflowDb)
    .WithReference(messaging).WaitFor(messaging);

// The gateway is the one public origin. WithReference(project) injects services__<name>__http__0, which is
// where the gateway's YARP routes take their destinations from.
// Its /metrics and /health answer only on the "management" endpoint, which is not external.
builder.AddProject<Projects.TaskFlow_Gateway>("gateway")
    .WithExternalHttpEndpoints()
    .WithHttpEndpoint(name: "management", env: "Management__Port")
    .WithHttpHealthCheck("/health", endpointName: "management")
    .WithReference(web).WaitFor(web)
    .WithReference(chatSocket).WaitFor(chatSocket)
    .WithReference(telemetry).WaitFor(telemetry);

builder.Build().Run();

static bool IsTrue(string? value) => bool.TryParse(value, out var result) && result;
