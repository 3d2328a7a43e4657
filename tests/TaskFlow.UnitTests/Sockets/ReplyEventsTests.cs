using TaskFlow.ChatSocket.Generations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Sockets;

/// <summary>An ended answer is told the same way over the socket and Server-Sent Events.</summary>
public sealed class ReplyEventsTests
{
    private static readonly Guid Id = Guid.CreateVersion7();

    private static ReplyFinished Reply(string status, string content = "An answer.", int? input = 10, int? output = 3, string? code = null, string? error = null) =>
        new(Id, Guid.CreateVersion7(), "model", status, content, 3, input, output, code, error, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_completed_answer_counts_prompt_and_answer_together()
    {
        var done = Assert.IsType<AiDone>(Assert.Single(ReplyEvents.For(Reply(GenerationStatus.Completed))));
        Assert.Equal((Id, (Guid?)Id, 13L, 10L, 3L), (done.GenerationId, done.MessageId, done.TokensUsed, done.InputTokens, done.OutputTokens));
    }

    [Fact]
    public void Without_a_prompt_count_the_answer_alone_is_counted() =>
        Assert.Equal(3, Assert.IsType<AiDone>(Assert.Single(ReplyEvents.For(Reply(GenerationStatus.Completed, input: null)))).TokensUsed);

    [Fact]
    public void An_empty_answer_has_no_message_to_point_to() =>
        Assert.Null(Assert.IsType<AiDone>(Assert.Single(ReplyEvents.For(Reply(GenerationStatus.Completed, content: "")))).MessageId);

    [Fact]
    public void A_failure_is_an_error_with_its_code_or_a_generic_one()
    {
        var error = Assert.IsType<AiError>(Assert.Single(ReplyEvents.For(Reply(GenerationStatus.Failed, code: ErrorCodes.Timeout, error: "Too slow."))));
        Assert.Equal((Id, ErrorCodes.Timeout, "Too slow."), (error.GenerationId, error.Code, error.Error));
        Assert.Equal(ErrorCodes.Unknown, Assert.IsType<AiError>(Assert.Single(ReplyEvents.For(Reply(GenerationStatus.Failed)))).Code);
    }

    [Fact]
    public void A_cancel_ends_the_turn_an_interruption_goes_on_with_the_next_message()
    {
        var cancelled = ReplyEvents.For(Reply(GenerationStatus.Cancelled));
        Assert.Equal([typeof(AiInterrupted), typeof(AiDone)], cancelled.Select(e => e.GetType()));
        Assert.Equal(GenerationStatus.Cancelled, ((AiDone)cancelled[1]).Status);
        Assert.True(ReplyEvents.EndsTurn(Reply(GenerationStatus.Cancelled)));

        var interrupted = Assert.IsType<AiInterrupted>(Assert.Single(ReplyEvents.For(Reply(GenerationStatus.Interrupted))));
        Assert.Equal(GenerationStatus.Interrupted, interrupted.Reason);
        Assert.False(ReplyEvents.EndsTurn(Reply(GenerationStatus.Interrupted)));
    }

    [Fact]
    public void A_stopped_answer_repeats_only_its_last_characters()
    {
        var content = new string('a', 50) + new string('b', ReplyEvents.PartialPreviewLength);
        var interrupted = (AiInterrupted)ReplyEvents.For(Reply(GenerationStatus.Interrupted, content))[0];
        Assert.Equal(new string('b', ReplyEvents.PartialPreviewLength), interrupted.PartialContent);
    }
}
