using TaskFlow.ChatSocket.Api;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Chat;

/// <summary>
/// What the chat page makes of one answer's socket events (docs/protocol.md, "Lifecycle"): the sequences the server
/// sends for a turn, a reconnect, a restart, a cancel, an interruption and a failure.
/// </summary>
public sealed class ConversationStreamingTests
{
    private static readonly Guid ConversationId = Guid.NewGuid();
    private readonly Guid _messageId = Guid.NewGuid();
    private readonly Guid _generationId = Guid.NewGuid();

    [Fact]
    public void A_new_conversation_turn_streams_the_answer_and_ends_stored()
    {
        var page = new ConversationScript().UserMessageSent(1, "Hi there");

        page.Receive(
            new ConversationCreated(ConversationId, "llama3.2", "Llama 3.2", Offline: false),
            new TitleUpdated(ConversationId, "Hi there"),
            new MessageAccepted(ConversationId, _messageId, _generationId, "medium"));

        Assert.Equal(ConversationId.ToString(), page.State.GetProperty("conversationId").GetString());
        Assert.Equal(["user_message_confirmed", "generating", "bubble_created", "queued"], page.EffectTypes);
        Assert.Equal(1, page.Effect("user_message_confirmed").GetProperty("localId").GetInt32());
        Assert.True(page.State.GetProperty("shown").GetProperty(_messageId.ToString()).GetBoolean());
        Assert.Empty(page.State.GetProperty("unconfirmed").EnumerateArray());
        Assert.Equal(_generationId.ToString(), page.Current);
        Assert.Equal("waiting", page.Phase(_generationId));

        page.Receive(
            new Progress(_generationId, 0, "waiting"),
            new AiStart(_generationId, Restarted: false, AiStart.Answer),
            new Progress(_generationId, 10, "processing"),
            new AiToken(_generationId, 2, "Hello"),
            new AiToken(_generationId, 3, ", "),
            new AiToken(_generationId, 4, "world"));

        Assert.Equal("Hello, world", page.Text(_generationId));
        Assert.Equal("streaming", page.Phase(_generationId));
        Assert.Equal(4, page.Generation(_generationId).GetProperty("lastSeq").GetInt32());
        Assert.Equal(10, page.State.GetProperty("job").GetProperty("percent").GetInt32());
        Assert.True(page.IsStreaming);

        page.Receive(new AiDone(_generationId, _generationId, GenerationStatus.Completed, 42, 39, 3));

        Assert.Equal("done", page.Phase(_generationId));
        Assert.Equal("completed", page.Generation(_generationId).GetProperty("status").GetString());
        Assert.Equal(_generationId.ToString(), page.Generation(_generationId).GetProperty("messageId").GetString());
        Assert.Null(page.Current);
        Assert.False(page.IsStreaming);
        var done = page.Effect("answer_done");
        Assert.True(done.GetProperty("announce").GetBoolean());
        Assert.Equal(42, done.GetProperty("tokensUsed").GetInt32());
    }

    [Fact]
    public void Tokens_replayed_after_a_reconnect_are_shown_once_and_in_order()
    {
        var page = Streaming("The ", "quick ");
        Assert.Equal(3, page.ResumeSeq); // the reconnect asks for what follows seq 3

        page.Receive(new ConversationResumed(ConversationId, "llama3.2", "Foxes", "active"));
        Assert.True(page.Effect("conversation_resumed").GetProperty("reconnected").GetBoolean());
        Assert.Contains("reconcile", page.EffectTypes);

        // The replay overlaps what was seen, and one token comes late.
        page.Receive(
            new AiToken(_generationId, 3, "quick "),
            new AiToken(_generationId, 4, "brown "),
            new AiToken(_generationId, 2, "The "),
            new AiToken(_generationId, 5, "fox"),
            new AiToken(_generationId, 4, "brown "));

        Assert.Equal("The quick brown fox", page.Text(_generationId));
        Assert.Equal(5, page.ResumeSeq);
        Assert.Empty(page.Effects); // the last, a duplicate, changed nothing
    }

    [Fact]
    public void A_restarted_answer_throws_the_partial_text_away_and_keeps_counting()
    {
        var page = Streaming("Half an ", "answer");

        page.Receive(new AiStart(_generationId, Restarted: true, AiStart.Answer));

        Assert.Equal("", page.Text(_generationId));
        Assert.Equal("waiting", page.Phase(_generationId));
        Assert.True(page.Effect("writing").GetProperty("restarted").GetBoolean());
        Assert.Contains("bubble_waiting", page.EffectTypes);

        // The stream position goes on growing after the restart; an old token replayed late is not shown.
        page.Receive(
            new AiToken(_generationId, 5, "A whole "),
            new AiToken(_generationId, 3, "answer"),
            new AiToken(_generationId, 6, "answer"),
            new AiDone(_generationId, _generationId, GenerationStatus.Completed, 10, 6, 4));

        Assert.Equal("A whole answer", page.Text(_generationId));
        Assert.Equal("completed", page.Generation(_generationId).GetProperty("status").GetString());
    }

    [Fact]
    public void A_cancel_while_queued_ends_the_answer_before_it_started()
    {
        var page = Accepted();
        page.Receive(new QueuePosition(_generationId, 3, 2));
        Assert.Equal(2, page.State.GetProperty("job").GetProperty("ahead").GetInt32());

        page.Receive(new AiInterrupted(_generationId, "", 0, GenerationStatus.Cancelled));

        Assert.Equal("done", page.Phase(_generationId));
        Assert.Equal("cancelled", page.Generation(_generationId).GetProperty("status").GetString());
        Assert.Equal("", page.Text(_generationId));
        Assert.Null(page.Current);
        Assert.True(page.State.GetProperty("job").ValueKind == System.Text.Json.JsonValueKind.Null);
        Assert.True(page.Effect("answer_stopped").GetProperty("cancelled").GetBoolean());

        // Nothing was said, so nothing was stored: no message id.
        page.Receive(new AiDone(_generationId, null, GenerationStatus.Cancelled, null, null, 0));
        Assert.True(page.Effect("answer_done").GetProperty("announce").GetBoolean());
        Assert.True(page.Generation(_generationId).GetProperty("messageId").ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public void A_cancel_mid_answer_keeps_what_was_shown_and_drops_later_tokens()
    {
        var page = Streaming("Once upon ", "a time");

        page.Receive(
            new AiInterrupted(_generationId, "upon a time", 2, GenerationStatus.Cancelled),
            new AiToken(_generationId, 4, " there"),
            new AiDone(_generationId, _generationId, GenerationStatus.Cancelled, null, null, 2));

        Assert.Equal("Once upon a time", page.Text(_generationId));
        Assert.Equal("cancelled", page.Generation(_generationId).GetProperty("status").GetString());
        Assert.Equal(_generationId.ToString(), page.Generation(_generationId).GetProperty("messageId").GetString());
        Assert.Null(page.Current);
    }

    [Fact]
    public void A_new_message_interrupts_the_answer_and_the_next_one_takes_its_place()
    {
        var page = Streaming("Let me ", "explain");
        var next = Guid.NewGuid();

        page.UserMessageSent(2, "Stop, shorter please").Receive(
            new AiInterrupted(_generationId, "Let me explain", 2, GenerationStatus.Interrupted),
            new MessageAccepted(ConversationId, Guid.NewGuid(), next, "high"),
            new AiToken(_generationId, 4, " more"),
            new AiStart(next, Restarted: false, AiStart.Answer),
            new AiToken(next, 1, "Sure."));

        Assert.Equal("interrupted", page.Generation(_generationId).GetProperty("status").GetString());
        Assert.Equal("Let me explain", page.Text(_generationId));
        Assert.Equal("Sure.", page.Text(next));
        Assert.Equal(next.ToString(), page.Current);
        Assert.Equal("high", page.State.GetProperty("job").GetProperty("priority").GetString());
    }

    [Fact]
    public void The_generation_guard_shows_only_the_current_answer_even_before_the_old_one_ends()
    {
        var page = Streaming("First ");
        var next = Guid.NewGuid();

        // The new answer is accepted while the old one's end is still on its way.
        page.Receive(new MessageAccepted(ConversationId, Guid.NewGuid(), next, "medium"), new AiToken(_generationId, 3, "stale"));

        Assert.Empty(page.Effects);
        Assert.Equal("First ", page.Text(_generationId));
        Assert.Equal(next.ToString(), page.Current);
    }

    [Fact]
    public void A_failure_after_some_text_keeps_it_marked_failed_and_one_before_any_removes_the_bubble()
    {
        var page = Streaming("Partly");
        page.Receive(new AiError(_generationId, "SERVICE_UNAVAILABLE", "The model is unavailable. Try again later."));

        Assert.Equal("failed", page.Generation(_generationId).GetProperty("status").GetString());
        Assert.Equal("Partly", page.Text(_generationId));
        Assert.Null(page.Current);
        var error = page.Effect("error");
        Assert.Equal("SERVICE_UNAVAILABLE", error.GetProperty("code").GetString());
        Assert.False(error.GetProperty("conversationMissing").GetBoolean());

        var silent = Guid.NewGuid();
        page.Receive(
            new MessageAccepted(ConversationId, Guid.NewGuid(), silent, "medium"),
            new AiStart(silent, Restarted: false, AiStart.Answer),
            new AiError(silent, "TIMEOUT", "The model took too long."));

        Assert.False(page.Generation(silent).GetProperty("onPage").GetBoolean());
        Assert.Contains("bubble_removed", page.EffectTypes);
        Assert.Null(page.Current);

        // The error stands for that answer: when a reconnect finds it stored, empty and failed, it is not added.
        page.HistoryReconciled([new(silent, "assistant", "", GenerationStatus.Failed, 10, 0, DateTimeOffset.UtcNow)]);
        Assert.Empty(page.Effects);
    }

    [Fact]
    public void A_rejected_message_is_given_back_and_a_missing_conversation_says_so()
    {
        var page = new ConversationScript(ConversationId).UserMessageSent(7, "Too much at once");

        page.Receive(new AiError(null, ErrorCodes.TooManyJobs, "You already have jobs running."));

        var rejected = page.Effect("user_message_rejected");
        Assert.Equal(7, rejected.GetProperty("localId").GetInt32());
        Assert.Equal("Too much at once", rejected.GetProperty("text").GetString());
        Assert.Empty(page.State.GetProperty("unconfirmed").EnumerateArray());

        page.Receive(new AiError(null, ErrorCodes.ConversationNotFound, "No such conversation."));
        Assert.True(page.Effect("error").GetProperty("conversationMissing").GetBoolean());
        Assert.DoesNotContain("user_message_rejected", page.EffectTypes);
    }

    [Fact]
    public void Queue_positions_count_down_for_the_current_answer_only()
    {
        var page = Accepted();

        page.Receive(new QueuePosition(_generationId, 4, 3), new QueuePosition(_generationId, 2, 1));
        Assert.Equal(1, page.State.GetProperty("job").GetProperty("ahead").GetInt32());
        Assert.Equal(2, page.State.GetProperty("job").GetProperty("position").GetInt32());
        Assert.True(page.Effect("queue_position").GetProperty("label").GetBoolean());

        page.Receive(new QueuePosition(Guid.NewGuid(), 1, 0)); // another tab's job
        Assert.Empty(page.Effects);
        Assert.Equal(1, page.State.GetProperty("job").GetProperty("ahead").GetInt32());

        page.Receive(new JobStatus(_generationId, JobStatus.Delayed, null, null, "QUEUE_UNAVAILABLE"));
        Assert.Equal("delayed", page.State.GetProperty("job").GetProperty("held").GetString());
        Assert.Equal("delayed", page.Effect("job_status").GetProperty("status").GetString());

        page.Receive(new QueuePosition(_generationId, 1, 0), new AiStart(_generationId, Restarted: false, AiStart.Answer));
        Assert.Equal(0, page.State.GetProperty("job").GetProperty("ahead").GetInt32());
        Assert.True(page.State.GetProperty("job").GetProperty("held").ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    /// <summary>A page opened on an existing conversation; its message accepted and queued.</summary>
    private ConversationScript Accepted() =>
        new ConversationScript(ConversationId)
            .HistoryLoaded([], reconcileOnResume: false)
            .Receive(new ConversationResumed(ConversationId, "llama3.2", "Stories", "active"))
            .UserMessageSent(1, "Tell me a story")
            .Receive(new MessageAccepted(ConversationId, _messageId, _generationId, "medium"));

    /// <summary>An answer under way: started at stream position 1, one token per position after it.</summary>
    private ConversationScript Streaming(params string[] tokens)
    {
        var page = Accepted().Receive(new AiStart(_generationId, Restarted: false, AiStart.Answer));
        for (var i = 0; i < tokens.Length; i++)
        {
            page.Receive(new AiToken(_generationId, i + 2, tokens[i]));
        }
        return page;
    }
}
