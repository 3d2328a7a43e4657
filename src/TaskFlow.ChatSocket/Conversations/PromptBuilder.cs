using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Data;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Plans a conversation's prompt (see <see cref="ContextWindow"/> for what goes in) from its summary and the messages
/// after it, and logs the seed's "[token-guard]" warnings. It reads and writes nothing itself: the turn reads the
/// material and stores the plan's summary with its job, in one transaction, so any replica builds the same prompt.
/// </summary>
public sealed class PromptBuilder(
    TokenCounter tokens,
    IOptions<ChatOptions> options,
    ILogger<PromptBuilder> logger)
{
    /// <summary>
    /// Messages not yet in the summary that are read per prompt. Summarizing keeps them far fewer; only when a
    /// window holds hundreds of tiny messages are the oldest beyond this skipped, unsummarized.
    /// </summary>
    public const int UnsummarizedScanLimit = 500;

    /// <param name="conversation">The conversation, with its summary as stored.</param>
    /// <param name="history">The messages after the summary, oldest first, ending with the message to answer.</param>
    public ContextPlan Plan(Conversation conversation, IReadOnlyList<Message> history)
    {
        var settings = options.Value;
        var summary = new SummaryState(conversation.Summary, conversation.SummarizedThrough, conversation.SummarizedTokens);
        var plan = new ContextWindow(tokens, settings).Plan(summary, history);
        if (plan.LatestTruncated)
        {
            logger.LogWarning("[token-guard] The new message of {ConversationId} has {Tokens} tokens, more than the prompt can hold ({Budget}); its middle was cut.",
                conversation.Id, plan.LatestTokens, settings.ContextTokenBudget);
        }
        if (plan.HistoryTokens > settings.TokenWarningThreshold)
        {
            // The seed's wording; the prompt itself stays within the budget, the rest lives on as the summary.
            logger.LogWarning("[token-guard] Estimated {Tokens} tokens (threshold: {Threshold}). Context: {Messages} messages, {PromptTokens} tokens sent for {ConversationId}.",
                plan.HistoryTokens, settings.TokenWarningThreshold, plan.Prompt.Count, plan.PromptTokens, conversation.Id);
        }
        return plan;
    }
}
