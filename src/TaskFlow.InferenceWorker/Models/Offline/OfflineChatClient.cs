using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace TaskFlow.InferenceWorker.Models.Offline;

/// <summary>
/// The built-in model for machines with no model server: it needs no network, streams readable text word by word,
/// and says plainly what it is, so nobody mistakes it for a real model.
/// </summary>
public sealed partial class OfflineChatClient(TimeSpan tokenDelay) : IChatClient
{
    public const string ModelId = "taskflow-offline";

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = messages.ToList();
        var tokens = Tokens().Matches(StopAtSequence(ComposeAnswer(prompt), options?.StopSequences)).Select(match => match.Value).ToList();
        // Like a model, it stops where the caller's limit is and says so.
        var cut = options?.MaxOutputTokens is { } max && tokens.Count > max;
        if (cut)
        {
            tokens = tokens[..options!.MaxOutputTokens!.Value];
        }
        foreach (var token in tokens)
        {
            await Task.Delay(tokenDelay, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, token) { ModelId = ModelId };
        }

        var inputTokens = prompt.Sum(message => Tokens().Count(message.Text));
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ModelId = ModelId,
            FinishReason = cut ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = tokens.Count, TotalTokenCount = inputTokens + tokens.Count })],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>The text up to the first of the stop sequences, which is left out as a model leaves it out.</summary>
    internal static string StopAtSequence(string text, IList<string>? stopSequences)
    {
        var end = (stopSequences ?? [])
            .Where(stop => stop.Length > 0)
            .Select(stop => text.IndexOf(stop, StringComparison.Ordinal))
            .Where(index => index >= 0)
            .DefaultIfEmpty(text.Length)
            .Min();
        return text[..end];
    }

    internal static string ComposeAnswer(IReadOnlyList<ChatMessage> prompt)
    {
        var question = prompt.LastOrDefault(message => message.Role == ChatRole.User)?.Text.Trim() ?? "";
        var quoted = question.Length > 80 ? question[..80].TrimEnd() + "…" : question;
        var words = Tokens().Count(question);
        return $"""
            I'm TaskFlow's built-in offline model, so no language model is thinking here. Everything around me is real, though: your message went through the gateway, was stored in PostgreSQL, queued on RabbitMQ, picked up by an inference worker, and these words are streaming back to you one at a time through Redis.

            You wrote {words} word{(words == 1 ? "" : "s")}: "{quoted}".

            To get real answers, start Ollama (`ollama serve`, then `ollama pull qwen3`) or point `ConnectionStrings__chat` at an OpenAI-compatible endpoint. The worker checks again every few seconds and switches by itself.
            """;
    }

    /// <summary>A word with the whitespace after it, or a run of whitespace: concatenating the tokens gives back the text.</summary>
    [GeneratedRegex(@"\S+\s*|\s+")]
    private static partial Regex Tokens();
}
