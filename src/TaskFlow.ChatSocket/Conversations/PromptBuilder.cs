using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Turns a conversation's stored history into the prompt: the system prompt, the running summary of turns that no
/// longer fit, as many recent messages as the token budget allows (the newest user message always), and, after an
/// interruption, the seed's interruption context right before that message.
/// </summary>
public sealed class PromptBuilder(
    ConversationStore store,
    TokenCounter tokens,
    IOptions<ChatOptions> options,
    ILogger<PromptBuilder> logger)
{
    /// <summary>Messages not yet in the summary that are read per prompt; more than this only after a long outage of summarizing.</summary>
    private const int UnsummarizedScanLimit = 500;

    public async Task<IReadOnlyList<ChatTurn>> BuildAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (summary, history) = await store.PromptMaterialAsync(conversationId, UnsummarizedScanLimit, cancellationToken);
        var usable = history.Where(m => m.Content.Length > 0 && m.Role is "user" or "assistant").ToList();
        if (usable.Count == 0 || usable[^1].Role != "user")
        {
            throw new InvalidOperationException($"Conversation {conversationId} has no user message to answer.");
        }

        var latest = usable[^1];
        var interruption = usable.Count >= 2 && usable[^2] is { Role: "assistant", Status: GenerationStatus.Interrupted } cut
            ? InterruptionAnalyzer.ContextMessage(cut.Content, latest.Content)
            : null;

        var fixedCost = tokens.CountMessage(settings.SystemPrompt)
            + (interruption is null ? 0 : tokens.CountMessage(interruption))
            + settings.SummaryTokenBudget;
        var budget = Math.Max(0, settings.ContextTokenBudget - fixedCost);

        // Newest first until the budget is spent; the message being answered always goes in, shortened if it must.
        var latestText = tokens.TruncateMiddle(latest.Content, budget);
        if (latestText.Length < latest.Content.Length)
        {
            logger.LogWarning("[token-guard] The newest message of {ConversationId} alone exceeds the context budget; its middle was cut", conversationId);
        }
        var window = new List<Message>();
        var spent = tokens.CountMessage(latestText);
        var all = usable.Sum(m => tokens.CountMessage(m.Content));
        for (var i = usable.Count - 2; i >= 0 && window.Count + 1 < settings.ContextMessages; i--)
        {
            var cost = tokens.CountMessage(usable[i].Content);
            if (spent + cost > budget)
            {
                break;
            }
            spent += cost;
            window.Insert(0, usable[i]);
        }

        if (all + fixedCost > settings.TokenWarningThreshold)
        {
            logger.LogWarning("[token-guard] Estimated {Tokens} tokens (threshold: {Threshold}). Context: {Messages} messages, {WindowTokens} tokens in the window.",
                all + fixedCost, settings.TokenWarningThreshold, window.Count + 1, spent);
        }

        var dropped = usable.Take(usable.Count - 1 - window.Count).ToList();
        if (dropped.Count > 0)
        {
            summary = RunningSummary.Fold(summary, dropped, tokens, settings.SummaryTokenBudget);
            await store.SaveSummaryAsync(conversationId, summary, dropped[^1].CreatedAt, cancellationToken);
        }

        var prompt = new List<ChatTurn> { new("system", settings.SystemPrompt) };
        if (!string.IsNullOrEmpty(summary))
        {
            prompt.Add(new ChatTurn("system", RunningSummary.AsSystemMessage(summary)));
        }
        prompt.AddRange(window.Select(m => new ChatTurn(m.Role, m.Content)));
        if (interruption is not null)
        {
            prompt.Add(new ChatTurn("system", interruption));
        }
        prompt.Add(new ChatTurn("user", latestText));
        return prompt;
    }
}
