using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.UnitTests.Streaming;

/// <summary>The notification that carries an appended entry to the readers, as the append's script composes it.</summary>
public sealed class StreamNotificationTests
{
    private static string Notice(string streamId, IReadOnlyList<KeyValuePair<string, string>> fields, long sequence) =>
        streamId + StreamNotification.AfterId([TokenStreamEntry.SequenceField(sequence), .. fields]);

    [Theory]
    [InlineData("")]
    [InlineData("日本語の答え 🎉 \u0000 \"quoted\" \n\r\t {\"json\": 1}")]
    [InlineData("\\")]
    public void A_token_arrives_with_its_id_sequence_and_exact_text(string text)
    {
        Assert.True(StreamNotification.TryRead(Notice("1764540000000-3", TokenStreamEntry.Token(text, 2), 7), out var id, out var entry));
        Assert.Equal("1764540000000-3", id);
        Assert.Equal(StreamEntries.Read(TokenStreamEntry.Token(text, 2), sequence: 7), entry);
    }

    [Fact]
    public void An_end_reads_back_as_the_stream_holds_it()
    {
        var end = TokenStreamEntry.End(GenerationStatus.Failed, 12, null, ErrorCodes.Timeout, "The model took too long.", "length");
        Assert.True(StreamNotification.TryRead(Notice("5-0", end, 40), out _, out var entry));
        Assert.Equal(StreamEntries.Read(end, sequence: 40), entry);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("17")] // a bare sequence number, as writers before the notification carried the entry sent it
    [InlineData("\n{}")] // no stream id
    [InlineData("5-0\n")]
    [InlineData("5-0\nnot json")]
    [InlineData("5-0\n[\"a\"]")]
    [InlineData("5-0\n{\"seq\": 3}")] // values are strings, as in the stream
    [InlineData("5-0\n{\"seq\": \"3\"")]
    public void Anything_else_is_no_entry_and_sends_the_reader_to_the_stream(string? notice) =>
        Assert.False(StreamNotification.TryRead(notice, out _, out _));
}
