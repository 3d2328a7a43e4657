using Microsoft.Extensions.Options;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Turns a conversation's stored history into the prompt (see <see cref="ContextWindow"/> for what goes in), stores
/// the running summary when turns fell out of the window, and logs the seed's "[token-guard]" warnings. Everything
/// comes from the database, so any replica builds the same prompt.
/// </summary>
public sealed class PromptBuilder(
    ConversationStore store,
    TokenCounter tokens,
    IOptions<ChatOptions> options,
    ILogger<PromptBuilder> logger)
{
    /// <summary>
    /// Messages not yet in the summary that are read per prompt. Summarizing keeps them far fewer; only when a
    /// window holds hundreds of tiny messages are the oldest beyond this skipped, unsummarized.
    /// </summary>
    private const int UnsummarizedScanLimit = 500;

    /// <summary>Called once the new user message is stored; that message is the one the prompt ends with.</summary>
    public async Task<IReadOnlyList<ChatTurn>> BuildAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (summary, history) = await store.PromptMaterialAsync(conversationId, UnsummarizedScanLimit, cancellationToken);
        var plan = new ContextWindow(tokens, settings).Plan(summary, history);

        if (plan.SummaryChanged && !await store.SaveSummaryAsync(conversationId, summary, plan.Summary, cancellationToken))
        {
            // Another build folded these turns first; this prompt is still right, only the stored summary is theirs.
            logger.LogInformation("The summary of {ConversationId} was updated concurrently; keeping the stored one", conversationId);
        }
        if (plan.LatestTruncated)
        {
            logger.LogWarning("[token-guard] The new message of {ConversationId} has {Tokens} tokens, more than the prompt can hold ({Budget}); its middle was cut.",
                conversationId, plan.LatestTokens, settings.ContextTokenBudget);
        }
        if (plan.HistoryTokens > settings.TokenWarningThreshold)
        {
            // The seed's wording; the prompt itself stays within the budget, the rest lives on as the summary.
            logger.LogWarning("[token-guard] Estimated {Tokens} tokens (threshold: {Threshold}). Context: {Messages} messages, {PromptTokens} tokens sent for {ConversationId}.",
                plan.HistoryTokens, settings.TokenWarningThreshold, plan.Prompt.Count, plan.PromptTokens, conversationId);
        }
        return plan.Prompt;
    }
}
