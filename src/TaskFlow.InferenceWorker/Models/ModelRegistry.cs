using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OllamaSharp;
using OpenAI;
using TaskFlow.InferenceWorker.Models.Offline;

namespace TaskFlow.InferenceWorker.Models;

/// <summary>
/// The models this worker can call: the one in <c>ConnectionStrings:chat</c>, those in <c>Models:Catalog</c>, and the
/// built-in offline model. The default is the first reachable real model, otherwise the offline one.
/// </summary>
public sealed class ModelRegistry
{
    public const string ModelHttpClient = "models";
    public const string GenAiActivitySource = "TaskFlow.Inference.GenAI";

    /// <summary>The histogram the OpenTelemetry chat client records for every streamed chunk (GenAI semantic conventions).</summary>
    public const string PerChunkMetric = "gen_ai.client.operation.time_per_output_chunk";

    private readonly Dictionary<string, ModelEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ModelEntry> _ordered = [];

    public ModelRegistry(IConfiguration configuration, IOptions<ModelOptions> options, IHttpClientFactory httpClients)
    {
        var definitions = new List<ModelDefinition>();
        if (configuration.GetConnectionString("chat") is { Length: > 0 } chat)
        {
            definitions.Add(ChatConnectionString.Parse(chat));
        }
        definitions.AddRange(options.Value.Catalog);
        definitions.Add(new ModelDefinition
        {
            Id = OfflineChatClient.ModelId,
            DisplayName = "TaskFlow offline model (no AI)",
            Provider = ModelProvider.Offline,
        });

        foreach (var definition in definitions.Where(definition => !_entries.ContainsKey(definition.Id)))
        {
            var inner = CreateClient(definition, options.Value, httpClients);
            var client = new ChatClientBuilder(inner)
                // Prompts and answers stay out of traces: Aspire's development settings ask for them
                // (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true), but the only copy TaskFlow keeps is Telemetry's
                // inference log, with PII redacted.
                // No logger: given one, the client logs every failed call with its stack as well, and the consumer logs
                // each failure once, with the job and its classified error. The call's span still records the error.
                .UseOpenTelemetry(loggerFactory: null, GenAiActivitySource, telemetry => telemetry.EnableSensitiveData = false)
                .Build();
            var entry = new ModelEntry(definition, client);
            _entries.Add(definition.Id, entry);
            _ordered.Add(entry);
        }
    }

    public IReadOnlyList<ModelEntry> Models => _ordered;

    public ModelEntry Default => _ordered.FirstOrDefault(entry => !entry.IsOffline && entry.IsReachable) ?? _entries[OfflineChatClient.ModelId];

    public bool TryGet(string id, out ModelEntry entry) => _entries.TryGetValue(id, out entry!);

    private static IChatClient CreateClient(ModelDefinition definition, ModelOptions options, IHttpClientFactory httpClients)
    {
        switch (definition.Provider)
        {
            case ModelProvider.Offline:
                return new OfflineChatClient(options.OfflineTokenDelay);
            case ModelProvider.Ollama:
                var http = httpClients.CreateClient(ModelHttpClient);
                http.BaseAddress = Require(definition);
                return new OllamaApiClient(http, definition.ProviderModelName);
            case ModelProvider.OpenAI:
                var openAi = new OpenAIClientOptions
                {
                    Endpoint = Require(definition),
                    Transport = new HttpClientPipelineTransport(httpClients.CreateClient(ModelHttpClient)),
                    NetworkTimeout = Timeout.InfiniteTimeSpan,
                    // The worker retries transient failures itself (and tells the user); SDK retries would multiply them.
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                };
                // Local servers (vLLM, llama.cpp, LM Studio) take any key; the SDK insists on one.
                var key = new ApiKeyCredential(string.IsNullOrEmpty(definition.Key) ? "no-key" : definition.Key);
                return new OpenAI.Chat.ChatClient(definition.ProviderModelName, key, openAi).AsIChatClient();
            default:
                throw new InvalidOperationException($"Unknown provider {definition.Provider} for model {definition.Id}.");
        }
    }

    private static Uri Require(ModelDefinition definition) =>
        definition.Endpoint ?? throw new InvalidOperationException($"Model '{definition.Id}' needs an Endpoint.");
}
