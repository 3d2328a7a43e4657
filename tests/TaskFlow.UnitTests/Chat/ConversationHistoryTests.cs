using TaskFlow.ChatSocket.Api;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Chat;

/// <summary>
/// The stored history (GET /api/conversations/{id}) and the socket together: a page that opens or reloads a
/// conversation, or reconnects, shows every message once and picks up the answer still in flight.
/// </summary>
public sealed class ConversationHistoryTests
{
    private static readonly Guid ConversationId = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_history_is_shown_once_and_an_answer_in_it_is_never_streamed_again()
    {
        var question = User("What is Redis?");
        var answer = Assistant("An in-memory store.");
        var page = new ConversationScript(ConversationId).HistoryLoaded([question, answer], reconcileOnResume: false);

        Assert.Equal(["message_added", "message_added"], page.EffectTypes);
        Assert.Equal(answer.Id.ToString(), page.Effects[1].GetProperty("message").GetProperty("id").GetString());
        Assert.True(page.State.GetProperty("shown").GetProperty(answer.Id.ToString()).GetBoolean());

        // The socket resumes: the first generation heard of would be adopted as the answer in flight, but this one is
        // already on the page (an assistant message's id is its generation id).
        page.Receive(new ConversationResumed(ConversationId, "llama3.2", "Redis", "active"));
        Assert.DoesNotContain("reconcile", page.EffectTypes); // the history ended with an answer: nothing to compare
        page.Receive(new AiToken(answer.Id, 7, "An in-memory"));

        Assert.False(page.Generation(answer.Id).GetProperty("onPage").GetBoolean());
        Assert.Equal("", page.Text(answer.Id));
        Assert.Null(page.Current);
        Assert.Empty(page.Effects);
    }

    [Fact]
    public void A_reload_while_the_answer_is_written_adopts_it_and_replays_it_from_the_start()
    {
        var question = User("Write a haiku");
        var generationId = Guid.NewGuid();
        var page = new ConversationScript(ConversationId).HistoryLoaded([question], reconcileOnResume: true);

        page.Receive(new ConversationResumed(ConversationId, "llama3.2", "Haiku", "active"));
        Assert.Contains("reconcile", page.EffectTypes); // the last message is the user's: compare once connected

        page.Receive(new Progress(generationId, 40, "processing"));
        Assert.Equal(generationId.ToString(), page.Current);
        Assert.Equal(["bubble_created", "generating", "progress"], page.EffectTypes);
        Assert.Equal(40, page.State.GetProperty("job").GetProperty("percent").GetInt32());

        page.Receive(
            new AiStart(generationId, Restarted: false, AiStart.Answer),
            new AiToken(generationId, 2, "Old pond, "),
            new AiToken(generationId, 3, "a frog"));
        Assert.Equal("Old pond, a frog", page.Text(generationId));
        Assert.Equal(3, page.ResumeSeq);
    }

    [Fact]
    public void Reconciling_after_a_reconnect_completes_the_live_answer_and_adds_what_was_missed_before_it()
    {
        var question = User("Summarise this");
        var generationId = Guid.NewGuid();
        var page = new ConversationScript(ConversationId)
            .HistoryLoaded([], reconcileOnResume: false)
            .Receive(new ConversationResumed(ConversationId, "llama3.2", "Summary", "active"))
            .UserMessageSent(1, "Summarise this")
            .Receive(
                new AiStart(generationId, Restarted: false, AiStart.Answer), // message_accepted was lost with the socket
                new AiToken(generationId, 2, "In short"));
        Assert.Equal(generationId.ToString(), page.Current);

        // Stored meanwhile: the question, the whole answer, and a message another tab sent in between.
        var fromOtherTab = User("And in French?") with { CreatedAt = At.AddSeconds(1) };
        var stored = Assistant("In short: all is well.") with { Id = generationId };
        page.HistoryReconciled([question, fromOtherTab, stored]);

        Assert.Equal(1, page.Effect("user_message_confirmed").GetProperty("localId").GetInt32());
        var added = page.Effect("message_added");
        Assert.Equal(fromOtherTab.Id.ToString(), added.GetProperty("message").GetProperty("id").GetString());
        Assert.Equal(generationId.ToString(), added.GetProperty("before").GetString()); // the answer was still live then
        Assert.Equal("In short: all is well.", page.Text(generationId));
        Assert.Equal("done", page.Phase(generationId));
        Assert.Null(page.Current);

        // Reconciling again changes nothing: ids make it idempotent.
        page.HistoryReconciled([question, fromOtherTab, stored]);
        Assert.Empty(page.Effects);
    }

    [Fact]
    public void The_idle_check_in_and_the_greeting_stream_beside_the_answer_without_taking_its_place()
    {
        var page = new ConversationScript(ConversationId).HistoryLoaded([User("Hi"), Assistant("Hello!")], reconcileOnResume: false);
        var nudge = Guid.NewGuid();

        page.Receive(
            new ConversationResumed(ConversationId, "llama3.2", "Hi", "active"),
            new AiStart(nudge, Restarted: false, AiStart.Nudge),
            new AiToken(nudge, 1, "Still "),
            new AiToken(nudge, 2, "there?"));
        Assert.Equal("Still there?", page.Text(nudge));
        Assert.Equal("nudge", page.Generation(nudge).GetProperty("kind").GetString());
        Assert.Null(page.Current);

        page.Receive(new AiDone(nudge, null, GenerationStatus.Completed, null, null, 2));
        Assert.Equal("done", page.Phase(nudge));
        Assert.DoesNotContain("answer_done", page.EffectTypes);

        var fresh = new ConversationScript();
        var greeting = Guid.NewGuid();
        fresh.Receive(new AiStart(greeting, Restarted: false, AiStart.Greeting), new AiToken(greeting, 1, "Hello, "), new AiToken(greeting, 2, "I am TaskFlow."));
        Assert.Equal("Hello, I am TaskFlow.", fresh.State.GetProperty("greeting").GetProperty("text").GetString());
        Assert.False(fresh.HasGeneration(greeting));
    }

    [Fact]
    public void A_suggested_question_ends_the_request_and_an_error_for_it_too()
    {
        var page = new ConversationScript(ConversationId).HistoryLoaded([], reconcileOnResume: false)
            .Receive(new ConversationResumed(ConversationId, "llama3.2", "Questions", "active"))
            .QuestionRequested();
        Assert.True(page.State.GetProperty("questionPending").GetBoolean());

        // While a question is asked for, an unknown generation is not taken for this conversation's answer.
        page.Receive(new Progress(Guid.NewGuid(), 10, "processing"));
        Assert.Null(page.Current);

        page.Receive(new QuestionSuggested(Guid.NewGuid(), "What is a queue?"));
        Assert.False(page.State.GetProperty("questionPending").GetBoolean());
        Assert.Equal("What is a queue?", page.Effect("question_suggested").GetProperty("question").GetString());

        page.QuestionRequested().Receive(new AiError(null, ErrorCodes.QueueUnavailable, "The queue is unavailable."));
        Assert.False(page.State.GetProperty("questionPending").GetBoolean());
        Assert.Contains("question_ended", page.EffectTypes);
    }

    [Fact]
    public void Opening_another_conversation_forgets_the_previous_one()
    {
        var page = new ConversationScript(ConversationId).HistoryLoaded([User("Hi")], reconcileOnResume: true)
            .Receive(new ConversationResumed(ConversationId, "llama3.2", "Hi", "active"), new AiStart(Guid.NewGuid(), false, AiStart.Answer));
        Assert.NotNull(page.Current);

        var other = Guid.NewGuid();
        page.ConversationOpened(other);

        Assert.Equal(other.ToString(), page.State.GetProperty("conversationId").GetString());
        Assert.Null(page.Current);
        Assert.Empty(page.State.GetProperty("generations").EnumerateObject());
        Assert.Empty(page.State.GetProperty("shown").EnumerateObject());
        page.Receive(new ConversationResumed(other, "llama3.2", "Other", "active"));
        Assert.False(page.Effect("conversation_resumed").GetProperty("reconnected").GetBoolean());
    }

    private static MessageView User(string content) => new(Guid.NewGuid(), "user", content, GenerationStatus.Completed, null, null, At);

    private static MessageView Assistant(string content) =>
        new(Guid.NewGuid(), "assistant", content, GenerationStatus.Completed, 12, 5, At.AddSeconds(2));
}
