using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>What of a conversation has been folded into its running summary (as stored on the conversation).</summary>
/// <param name="Text">The summary lines, or null before anything fell out of the window.</param>
/// <param name="Through">The creation time of the newest folded message; later messages are not in the summary.</param>
/// <param name="Tokens">Tokens of the folded messages themselves, for the token guard.</param>
public sealed record SummaryState(string? Text, DateTimeOffset? Through, int Tokens)
{
    public static readonly SummaryState Empty = new(null, null, 0);
}

/// <summary>A planned prompt, and what the planning changed or noticed.</summary>
/// <param name="Prompt">The turns to send, in order.</param>
/// <param name="Summary">The summary after this prompt (the same instance as before when nothing new was folded).</param>
/// <param name="SummaryChanged">Turns were folded: the new summary must be stored.</param>
/// <param name="HistoryTokens">What the whole conversation would cost with nothing left out (the token guard's estimate).</param>
/// <param name="PromptTokens">What <paramref name="Prompt"/> costs.</param>
/// <param name="LatestTokens">What the new message costs uncut.</param>
/// <param name="LatestTruncated">The new message alone did not fit and its middle was cut.</param>
public sealed record ContextPlan(
    IReadOnlyList<ChatTurn> Prompt, SummaryState Summary, bool SummaryChanged, int HistoryTokens, int PromptTokens, int LatestTokens, bool LatestTruncated);

/// <summary>
/// Decides what of a conversation goes into a prompt, without touching storage (so every rule is unit-tested):
/// system prompt, running summary, interruption context, then the newest messages that fit the token budget.
/// </summary>
/// <remarks>
/// All system messages lead the prompt: several chat templates (Mistral's, Gemma's) and some OpenAI-compatible
/// gateways reject or hoist system messages that appear later, and the interruption context names the interrupting
/// message in its own words, so it does not need to sit next to it.
/// </remarks>
public sealed class ContextWindow(TokenCounter tokens, ChatOptions settings)
{
    /// <param name="summary">The stored summary state.</param>
    /// <param name="history">The messages not yet folded into the summary, oldest first; the last one is the user message to answer.</param>
    public ContextPlan Plan(SummaryState summary, IReadOnlyList<Message> history)
    {
        var usable = history.Where(m => m.Content.Length > 0 && m.Role is "user" or "assistant").ToList();
        if (usable.Count == 0 || usable[^1].Role != "user")
        {
            throw new InvalidOperationException("A prompt needs a user message to answer, and it must be the newest message.");
        }
        var latest = usable[^1];
        var older = usable.GetRange(0, usable.Count - 1);

        // The seed's interruption context: the answer just before this message was cut off by it.
        var interruption = older is [.., { Role: "assistant", Status: GenerationStatus.Interrupted } cut]
            ? InterruptionAnalyzer.ContextMessage(cut.Content, latest.Content)
            : null;

        var systemCost = tokens.CountMessage(settings.SystemPrompt);
        var fixedCost = systemCost + (interruption is null ? 0 : tokens.CountMessage(interruption));

        // Older turns mean a summary may be needed (there is one already, or some turns will not fit); the most
        // it can cost is reserved for it up front.
        var summaryReserve = settings.SummaryTokenBudget == 0 ? 0 : tokens.CountMessage(RunningSummary.Header) + settings.SummaryTokenBudget;
        var summaryRoom = older.Count > 0 ? summaryReserve : SummaryCost(summary.Text);

        // The new message always goes in; should it alone not fit next to the system messages, its middle goes.
        // A quarter of the budget is kept for it even if a very long system prompt leaves less.
        var latestTokens = tokens.CountMessage(latest.Content);
        var latestRoom = Math.Max(settings.ContextTokenBudget - fixedCost - summaryRoom, settings.ContextTokenBudget / 4) - TokenCounter.PerMessageOverhead;
        var latestText = tokens.TruncateMiddle(latest.Content, latestRoom);
        var latestCost = latestText.Length == latest.Content.Length ? latestTokens : tokens.CountMessage(latestText);

        var costs = older.Select(m => tokens.CountMessage(m.Content)).ToArray();
        var historyRoom = settings.ContextTokenBudget - fixedCost - latestCost;
        var maxOlder = settings.ContextMessages - 1;

        // First with the summary as it is; only if that leaves turns out does the summary grow, and then its whole
        // budget is reserved (the folded summary is never larger).
        var start = WindowStart(older, costs, historyRoom - SummaryCost(summary.Text), maxOlder);
        var next = summary;
        if (start > 0)
        {
            start = Math.Max(start, WindowStart(older, costs, historyRoom - summaryReserve, maxOlder));
            var dropped = older.GetRange(0, start);
            next = new SummaryState(
                settings.SummaryTokenBudget == 0 ? null : RunningSummary.Fold(summary.Text, dropped, tokens, settings.SummaryTokenBudget),
                dropped[^1].CreatedAt,
                summary.Tokens + costs[..start].Sum());
        }

        var prompt = new List<ChatTurn> { new("system", settings.SystemPrompt) };
        if (!string.IsNullOrEmpty(next.Text))
        {
            prompt.Add(new ChatTurn("system", RunningSummary.AsSystemMessage(next.Text)));
        }
        if (interruption is not null)
        {
            prompt.Add(new ChatTurn("system", interruption));
        }
        prompt.AddRange(older.Skip(start).Select(m => new ChatTurn(m.Role, m.Content)));
        prompt.Add(new ChatTurn("user", latestText));

        var promptTokens = fixedCost + SummaryCost(next.Text) + costs[start..].Sum() + latestCost;
        var historyTokens = systemCost + summary.Tokens + costs.Sum() + latestTokens;
        return new ContextPlan(prompt, next, !ReferenceEquals(next, summary), historyTokens, promptTokens, latestTokens, latestText.Length != latest.Content.Length);
    }

    private int SummaryCost(string? summary) =>
        string.IsNullOrEmpty(summary) ? 0 : tokens.CountMessage(RunningSummary.AsSystemMessage(summary));

    /// <summary>
    /// The index of the oldest message that stays: newest first while they fit, then moved forward to a user
    /// message, so the window never opens with an answer whose question was left out (that turn is summarized whole).
    /// </summary>
    private static int WindowStart(List<Message> older, int[] costs, int room, int maxMessages)
    {
        var start = older.Count;
        for (var spent = 0; start > 0 && older.Count - start < maxMessages && spent + costs[start - 1] <= room; start--)
        {
            spent += costs[start - 1];
        }
        while (start > 0 && start < older.Count && older[start].Role != "user")
        {
            start++;
        }
        return start;
    }
}
