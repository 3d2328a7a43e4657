using System.ComponentModel.DataAnnotations;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Context;

/// <summary>What goes into a prompt, decided without storage: the window, the summary, the interruption context.</summary>
public sealed class ContextWindowTests
{
    private static readonly TokenCounter Tokens = new();
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static ChatOptions Settings(int budget = 400, int summary = 80) => new()
    {
        SystemPrompt = "You are a test assistant.",
        ContextTokenBudget = budget,
        SummaryTokenBudget = summary,
        TokenWarningThreshold = 1000,
    };

    [Fact]
    public void A_short_conversation_is_sent_whole_after_the_system_prompt()
    {
        var history = Conversation(("user", "Hi there, how are queues ordered?"), ("assistant", "By priority, then by arrival."), ("user", "And ties?"));

        var plan = new ContextWindow(Tokens, Settings()).Plan(SummaryState.Empty, history);

        Assert.Equal(
            [("system", "You are a test assistant."), ("user", "Hi there, how are queues ordered?"), ("assistant", "By priority, then by arrival."), ("user", "And ties?")],
            plan.Prompt.Select(t => (t.Role, t.Content)));
        Assert.False(plan.SummaryChanged);
        Assert.Equal(plan.Prompt.Sum(t => Tokens.CountMessage(t.Content)), plan.PromptTokens);
    }

    [Fact]
    public void Old_turns_leave_by_tokens_and_live_on_as_one_summary_line_per_turn()
    {
        var history = Conversation([.. Turns(6, words: 40), ("user", "What was the first question about?")]);
        var settings = Settings(summary: 150);

        var plan = new ContextWindow(Tokens, settings).Plan(SummaryState.Empty, history);

        Assert.True(plan.PromptTokens <= settings.ContextTokenBudget, $"{plan.PromptTokens} tokens");
        Assert.Equal(plan.Prompt.Sum(t => Tokens.CountMessage(t.Content)), plan.PromptTokens);
        Assert.True(plan.SummaryChanged);
        var summary = plan.Prompt[1];
        Assert.Equal("system", summary.Role);
        Assert.StartsWith(RunningSummary.Header + "User asked: Question 1 is about topic 1. Assistant answered: Answer 1 explains topic 1.\n", summary.Content, StringComparison.Ordinal);
        // The window opens with a question, and nothing is both summarized and sent.
        var window = plan.Prompt.Skip(2).ToList();
        Assert.Equal("user", window[0].Role);
        var firstKept = int.Parse(window[0].Content.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(firstKept - 1, plan.Summary.Text!.Split('\n').Length);
        Assert.Equal(history[2 * (firstKept - 1) - 1].CreatedAt, plan.Summary.Through);
        Assert.Equal(history.Take(2 * (firstKept - 1)).Sum(m => Tokens.CountMessage(m.Content)), plan.Summary.Tokens);
        Assert.Equal("What was the first question about?", plan.Prompt[^1].Content);
    }

    [Fact]
    public void Folding_is_incremental_and_keeps_the_earlier_summary_lines_as_they_are()
    {
        var settings = Settings(budget: 600, summary: 250);
        var all = Conversation([.. Turns(10, words: 40), ("user", "Last question?")]);
        var interim = Message("user", "Interim question?", all[13].CreatedAt.AddSeconds(1));
        var first = new ContextWindow(Tokens, settings).Plan(SummaryState.Empty, [.. all.Take(14), interim]);
        Assert.True(first.SummaryChanged);

        // What the store hands over next time: only the messages after the summary's end.
        var rest = all.Where(m => m.CreatedAt > first.Summary.Through!.Value).ToList();
        var second = new ContextWindow(Tokens, settings).Plan(first.Summary, rest);

        Assert.True(second.SummaryChanged);
        Assert.StartsWith(first.Summary.Text + "\n", second.Summary.Text, StringComparison.Ordinal);
        Assert.Equal(second.Summary.Text!.Split('\n').Distinct().Count(), second.Summary.Text.Split('\n').Length);
        Assert.True(second.Summary.Tokens > first.Summary.Tokens);
        Assert.True(second.Summary.Through > first.Summary.Through);
    }

    [Fact]
    public void The_summary_keeps_to_its_budget_by_forgetting_its_oldest_lines()
    {
        var settings = Settings(budget: 600, summary: 60);
        var history = Conversation([.. Turns(30, words: 60), ("user", "Still there?")]);

        var plan = new ContextWindow(Tokens, settings).Plan(SummaryState.Empty, history);

        Assert.True(Tokens.Count(plan.Summary.Text!) <= 60, $"{Tokens.Count(plan.Summary.Text!)} tokens");
        Assert.DoesNotContain("Question 1 ", plan.Summary.Text, StringComparison.Ordinal);
        Assert.True(plan.PromptTokens <= settings.ContextTokenBudget, $"{plan.PromptTokens} tokens");
        // The token guard weighs everything, not just what is sent.
        Assert.Equal(history.Sum(m => Tokens.CountMessage(m.Content)) + Tokens.CountMessage(settings.SystemPrompt), plan.HistoryTokens);
        Assert.True(plan.HistoryTokens > settings.TokenWarningThreshold);
    }

    [Fact]
    public void The_token_guard_counts_turns_summarized_earlier()
    {
        var earlier = new SummaryState("User asked: Something long ago.", Start.AddDays(-1), 12_345);
        var plan = new ContextWindow(Tokens, Settings()).Plan(earlier, Conversation(("user", "Hello again")));

        Assert.Equal(12_345 + Tokens.CountMessage("Hello again") + Tokens.CountMessage("You are a test assistant."), plan.HistoryTokens);
        Assert.False(plan.SummaryChanged);
        Assert.Same(earlier, plan.Summary);
        Assert.Equal(RunningSummary.Header + "User asked: Something long ago.", plan.Prompt[1].Content);
    }

    [Fact]
    public void An_answer_is_never_sent_without_its_question()
    {
        var history = Conversation(("user", "Question 1 is about topic 1. " + Filler(600)), ("assistant", "Short answer."), ("user", "Next?"));

        var plan = new ContextWindow(Tokens, Settings()).Plan(SummaryState.Empty, history);

        Assert.Equal(["system", "system", "user"], plan.Prompt.Select(t => t.Role));
        Assert.Equal(RunningSummary.Header + "User asked: Question 1 is about topic 1. Assistant answered: Short answer.", plan.Prompt[1].Content);
    }

    [Fact]
    public void The_newest_message_always_goes_in_cut_in_the_middle_when_alone_it_is_too_long()
    {
        var settings = Settings();
        var huge = "BEGINNING of my question. " + Filler(3000) + " END of my question?";
        var history = Conversation(("user", "Earlier question?"), ("assistant", "Earlier answer."), ("user", huge));

        var plan = new ContextWindow(Tokens, settings).Plan(SummaryState.Empty, history);

        Assert.True(plan.LatestTruncated);
        Assert.Equal(Tokens.CountMessage(huge), plan.LatestTokens);
        var sent = plan.Prompt[^1];
        Assert.Equal("user", sent.Role);
        Assert.StartsWith("BEGINNING of my question.", sent.Content, StringComparison.Ordinal);
        Assert.EndsWith("END of my question?", sent.Content, StringComparison.Ordinal);
        Assert.Contains("[…]", sent.Content, StringComparison.Ordinal);
        Assert.True(plan.PromptTokens <= settings.ContextTokenBudget, $"{plan.PromptTokens} tokens");
    }

    [Fact]
    public void After_an_interruption_the_seeds_context_leads_and_the_partial_answer_stays_in_the_history()
    {
        var history = Conversation(
            ("user", "Can you help me plan a trip?"),
            ("assistant", "I can help you with that. Let me start by"),
            ("user", "Actually, can you do X instead?"));
        history[1].Status = GenerationStatus.Interrupted;

        var plan = new ContextWindow(Tokens, Settings()).Plan(SummaryState.Empty, history);

        Assert.Equal(
            [
                ("system", "You are a test assistant."),
                ("system", "[INTERRUPTION CONTEXT] You were speaking but the user interrupted you.\n"
                    + "You had fully said: \"I can help you with that.\"\n"
                    + "You were in the middle of saying: \"Let me start by\" when you were cut off.\n"
                    + "The user interrupted with: \"Actually, can you do X instead?\"\n"
                    + "Please respond to the user's interruption, continuing or adjusting your thoughts naturally. Do not repeat what you had fully said."),
                ("user", "Can you help me plan a trip?"),
                ("assistant", "I can help you with that. Let me start by"),
                ("user", "Actually, can you do X instead?"),
            ],
            plan.Prompt.Select(t => (t.Role, t.Content)));
        Assert.True(plan.PromptTokens == plan.Prompt.Sum(t => Tokens.CountMessage(t.Content)));
    }

    [Theory]
    [InlineData(GenerationStatus.Completed)]
    [InlineData(GenerationStatus.Cancelled)]
    [InlineData(GenerationStatus.Failed)]
    public void Only_an_interrupted_answer_brings_the_interruption_context(string status)
    {
        var history = Conversation(("user", "Tell me more."), ("assistant", "Sure. It goes like"), ("user", "Next?"));
        history[1].Status = status;

        var plan = new ContextWindow(Tokens, Settings()).Plan(SummaryState.Empty, history);

        Assert.DoesNotContain(plan.Prompt, t => t.Content.StartsWith("[INTERRUPTION CONTEXT]", StringComparison.Ordinal));
    }

    [Fact]
    public void The_message_cap_still_applies_when_tokens_would_allow_more()
    {
        var settings = Settings(budget: 4000);
        settings.ContextMessages = 3;
        var history = Conversation([.. Turns(3, words: 5), ("user", "Last?")]);

        var plan = new ContextWindow(Tokens, settings).Plan(SummaryState.Empty, history);

        Assert.Equal(["system", "system", "user", "assistant", "user"], plan.Prompt.Select(t => t.Role));
        Assert.StartsWith("Question 3", plan.Prompt[2].Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_user_message_to_answer_there_is_no_prompt() =>
        Assert.Throws<InvalidOperationException>(() =>
            new ContextWindow(Tokens, Settings()).Plan(SummaryState.Empty, Conversation(("user", "Hi"), ("assistant", "Hello!"))));

    [Fact]
    public void A_summary_budget_over_half_the_context_budget_is_refused_at_start()
    {
        var options = new ChatOptions { ContextTokenBudget = 1000, SummaryTokenBudget = 600 };
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(ChatOptions.SummaryTokenBudget)));
        var defaults = new ChatOptions();
        Assert.True(Validator.TryValidateObject(defaults, new ValidationContext(defaults), [], validateAllProperties: true));
    }

    private static IEnumerable<(string Role, string Text)> Turns(int count, int words) => Enumerable.Range(1, count).SelectMany(i => new[]
    {
        ("user", $"Question {i} is about topic {i}. {Filler(words)}"),
        ("assistant", $"Answer {i} explains topic {i}. {Filler(words)}"),
    });

    private static string Filler(int words) => string.Join(' ', Enumerable.Repeat("more", words));

    private static List<Message> Conversation(params (string Role, string Text)[] messages) =>
        [.. messages.Select((m, i) => Message(m.Role, m.Text, Start.AddMinutes(i)))];

    private static Message Message(string role, string text, DateTimeOffset at) =>
        new() { Id = Guid.CreateVersion7(at), Role = role, Content = text, Status = GenerationStatus.Completed, CreatedAt = at };
}
