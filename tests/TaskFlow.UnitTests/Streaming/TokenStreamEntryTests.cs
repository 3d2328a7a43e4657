using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.UnitTests.Streaming;

/// <summary>The stream entry format the worker writes and every reader decodes, and the answer they fold from it.</summary>
public sealed class TokenStreamEntryTests
{
    [Fact]
    public void Each_kind_reads_back_as_the_writer_wrote_it()
    {
        var end = StreamEntries.Read(TokenStreamEntry.End(GenerationStatus.Completed, 12, 34, null, null, "length"), sequence: 9);
        Assert.Equal(new TokenStreamEntry(9, TokenStreamKeys.Kinds.End, "", GenerationStatus.Completed, 12, 34, null, null, null, null, "length"), end);

        var failed = StreamEntries.Read(TokenStreamEntry.End(GenerationStatus.Failed, null, null, ErrorCodes.Timeout, "The model took too long.", null));
        Assert.Equal((null, null, ErrorCodes.Timeout, "The model took too long.", null),
            (failed.InputTokens, failed.OutputTokens, failed.ErrorCode, failed.ErrorMessage, failed.FinishReason));

        var retry = StreamEntries.Read(TokenStreamEntry.Retry(2, TimeSpan.FromMilliseconds(1500), ErrorCodes.ServiceUnavailable), sequence: 4);
        Assert.Equal((4L, TokenStreamKeys.Kinds.Retry, 2, 1500L, ErrorCodes.ServiceUnavailable), (retry.Sequence, retry.Kind, retry.Attempt, retry.DelayMs, retry.ErrorCode));

        Assert.Equal(60_000, StreamEntries.Read(TokenStreamEntry.Throttled(TimeSpan.FromMinutes(1))).DelayMs);
        Assert.True(StreamEntries.Start(restarted: true).IsRestart);
        Assert.False(StreamEntries.Start().IsRestart);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("日本語の答え 🎉 \u0000 \"quoted\" \n")]
    public void A_token_keeps_its_text_exactly(string text) =>
        Assert.Equal(text, StreamEntries.Token(text).Text);

    [Fact]
    public void An_entry_missing_fields_decodes_to_empty_values_instead_of_failing()
    {
        var entry = TokenStreamEntry.Decode(_ => null);
        Assert.Equal(new TokenStreamEntry(0, "", "", "", null, null, null, null, null, null), entry);
    }

    [Fact]
    public void A_redis_entry_decodes_whatever_the_order_of_its_fields_and_ignores_fields_it_does_not_know()
    {
        var entry = new StreamEntry("7-0",
        [
            new(TokenStreamKeys.Fields.Text, "héllo 🎉"), new("added-by-a-newer-writer", "x"), new(TokenStreamKeys.Fields.Pieces, "2"),
            new(TokenStreamKeys.Fields.Kind, TokenStreamKeys.Kinds.Token), new(TokenStreamKeys.Fields.Sequence, "7"),
        ]);
        Assert.Equal(new TokenStreamEntry(7, TokenStreamKeys.Kinds.Token, "héllo 🎉", "", null, null, null, null, null, null, null, 2),
            entry.ToTokenStreamEntry());
    }

    [Fact]
    public void A_start_says_when_redis_appended_it_and_no_other_entry_does()
    {
        var start = new StreamEntry("1764691200123-3",
        [
            new(TokenStreamKeys.Fields.Sequence, "1"), new(TokenStreamKeys.Fields.Kind, TokenStreamKeys.Kinds.Start),
            new(TokenStreamKeys.Fields.Status, TokenStreamEntry.Started),
        ]).ToTokenStreamEntry();

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764691200123), start.WrittenAt);
        Assert.Null(StreamEntries.Token("later").WrittenAt);
        Assert.Null(StreamEntries.Read(TokenStreamEntry.End(GenerationStatus.Completed, 1, 1, null, null, "stop")).WrittenAt);
    }

    /// <summary>Tokens that came while a write was under way share one entry; the answer still counts every token.</summary>
    [Fact]
    public void An_entry_of_several_tokens_counts_them_all()
    {
        var together = StreamEntries.Read(TokenStreamEntry.Token(" quick brown fox", 3));
        Assert.Equal((TokenStreamKeys.Kinds.Token, " quick brown fox", 3), (together.Kind, together.Text, together.Pieces));
        Assert.Equal(1, StreamEntries.Token("The").Pieces);
        Assert.DoesNotContain(TokenStreamEntry.Token("The"), field => field.Key == TokenStreamKeys.Fields.Pieces);

        var answer = new StreamedAnswer();
        foreach (var entry in new[] { StreamEntries.Start(), StreamEntries.Token("The"), together })
        {
            answer.Apply(entry);
        }
        Assert.Equal(("The quick brown fox", 4), (answer.Content, answer.Tokens));
    }

    [Fact]
    public void A_start_clears_the_answer_so_a_job_that_ran_again_is_not_told_twice()
    {
        var answer = new StreamedAnswer();
        foreach (var entry in new[]
        {
            StreamEntries.Start(), StreamEntries.Token("Half an "), StreamEntries.Token("ans"),
            StreamEntries.Read(TokenStreamEntry.Retry(1, TimeSpan.FromSeconds(1), ErrorCodes.Timeout)),
            StreamEntries.Read(TokenStreamEntry.Start(restarted: true), sequence: 5), StreamEntries.Token("A whole "), StreamEntries.Token("answer."),
            StreamEntries.Read(TokenStreamEntry.End(GenerationStatus.Completed, 3, 2, null, null, null)),
        })
        {
            answer.Apply(entry);
        }
        Assert.Equal(("A whole answer.", 2), (answer.Content, answer.Tokens));
        // The job started when it first started (the first start entry's id), not when it began again.
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1), answer.StartedAt);
    }
}

/// <summary>The cancel message one service publishes and the other parses.</summary>
public sealed class CancelMessageTests
{
    [Theory]
    [InlineData(GenerationControl.ReasonCancelled)]
    [InlineData(GenerationControl.ReasonInterrupted)]
    public void A_cancel_reads_back_as_sent(string reason)
    {
        var id = Guid.CreateVersion7();
        Assert.True(GenerationControl.TryParseCancelMessage(GenerationControl.CancelMessage(id, reason), out var parsed, out var parsedReason));
        Assert.Equal((id, reason), (parsed, parsedReason));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-guid:cancelled")]
    [InlineData("0195c6e2a1b27c3d8e9f0a1b2c3d4e5f")]
    [InlineData("0195c6e2a1b27c3d8e9f0a1b2c3d4e5f:")]
    [InlineData(":cancelled")]
    public void Anything_else_is_refused(string? message) =>
        Assert.False(GenerationControl.TryParseCancelMessage(message, out _, out _));
}
