using System.Data.Common;

namespace TaskFlow.InferenceWorker.Models;

/// <summary>
/// Parses <c>ConnectionStrings:chat</c> the way the CommunityToolkit Ollama client does:
/// <c>Endpoint=http://host:11434;Model=qwen3</c>, or <c>Endpoint=https://…/v1;Key=…;Model=…;Provider=openai</c>.
/// </summary>
public static class ChatConnectionString
{
    public static ModelDefinition Parse(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Get(string key) => parts.TryGetValue(key, out var value) ? value?.ToString() : null;

        var endpoint = Get("Endpoint");
        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            throw new FormatException("ConnectionStrings:chat needs Endpoint=<absolute URL>, e.g. Endpoint=http://localhost:11434;Model=qwen3.");
        }

        var model = Get("Model");
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new FormatException("ConnectionStrings:chat needs Model=<name>, e.g. Model=qwen3.");
        }

        var provider = Get("Provider") switch
        {
            null or "" or "ollama" => ModelProvider.Ollama,
            "openai" => ModelProvider.OpenAI,
            var other => throw new FormatException($"ConnectionStrings:chat has Provider={other}; use 'ollama' or 'openai'."),
        };

        return new ModelDefinition
        {
            Id = model,
            Model = model,
            Provider = provider,
            Endpoint = uri,
            Key = Get("Key"),
            DisplayName = Get("DisplayName") ?? $"{model} ({(provider == ModelProvider.Ollama ? "Ollama" : uri.Host)})",
        };
    }
}
