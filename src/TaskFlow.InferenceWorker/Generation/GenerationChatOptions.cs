using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskFlow.Contracts.Chat;
using TaskFlow.InferenceWorker.Models;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// A job's generation options as Microsoft.Extensions.AI <see cref="ChatOptions"/>, which every provider client maps to
/// its own request (OllamaSharp to Ollama's <c>options</c> and <c>format</c>, the OpenAI client to its body fields, the
/// offline model itself), and the finish reason the client is told.
/// </summary>
internal static class GenerationChatOptions
{
    public static ChatOptions For(ModelDefinition model, GenerationOptions? options)
    {
        var chat = new ChatOptions { ModelId = model.ProviderModelName };
        if (options is null)
        {
            return chat;
        }
        chat.MaxOutputTokens = options.MaxOutputTokens;
        chat.StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : null;
        chat.Temperature = options.Temperature;
        chat.TopP = options.TopP;
        chat.FrequencyPenalty = options.FrequencyPenalty;
        chat.PresencePenalty = options.PresencePenalty;
        chat.Seed = options.Seed;
        chat.ResponseFormat = options.ResponseFormat switch
        {
            GenerationOptions.Formats.Json => ChatResponseFormat.Json,
            GenerationOptions.Formats.JsonSchema when options.JsonSchema is { } schema =>
                ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(schema).RootElement.Clone(), options.JsonSchemaName),
            _ => null,
        };
        return chat;
    }

    /// <summary>
    /// "length" when the model reports it, or, for a server that sends no reason, when the answer reached the limit;
    /// otherwise "stop".
    /// </summary>
    public static string FinishReason(ChatFinishReason? reported, int tokens, GenerationOptions? options) =>
        reported == ChatFinishReason.Length || (reported is null && options?.MaxOutputTokens is { } max && tokens >= max)
            ? GenerationOptions.FinishReasons.Length
            : GenerationOptions.FinishReasons.Stop;
}
