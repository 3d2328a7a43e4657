using TaskFlow.ChatSocket.Conversations;
using TaskFlow.Contracts.Text;

namespace TaskFlow.UnitTests.Input;

public sealed class StorableTextTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("controls \u0001\u0007\u001b\u007f\u0085\u009f kept")]
    [InlineData("planes 😀 𝄞 \U000E0041 \U0010FFFD")]
    [InlineData("")]
    public void Text_any_plane_and_any_control_but_NUL_is_storable(string text)
    {
        Assert.Null(StorableText.Describe(text));
        Assert.Same(text, StorableText.Mend(text));
    }

    [Fact]
    public void NUL_is_refused_with_where_it_is()
    {
        var problem = StorableText.Describe("😀ab\0c");
        Assert.Contains("NUL", problem, StringComparison.Ordinal);
        Assert.Contains("character 4", problem, StringComparison.Ordinal);
    }

    // Built at run time and not enumerated at discovery: attribute arguments and discovered cases travel as UTF-8,
    // which turns a lone surrogate into U+FFFD.
    public static TheoryData<string> HalfCharacters => new()
    {
        "a" + (char)0xD83D,
        (char)0xDE00 + "b",
        "x" + (char)0xDE00 + (char)0xD83D + "y",
    };

    [Theory]
    [MemberData(nameof(HalfCharacters), DisableDiscoveryEnumeration = true)]
    public void Half_a_character_is_refused_and_mended(string text)
    {
        Assert.Contains("unpaired UTF-16 surrogate", StorableText.Describe(text), StringComparison.Ordinal);
        var mended = StorableText.Mend(text);
        Assert.Null(StorableText.Describe(mended));
        Assert.Contains(StorableText.Replacement, mended);
        Assert.Equal(text.Length, mended.Length);
    }

    [Fact]
    public void Mending_keeps_whole_pairs_and_replaces_NUL()
    {
        Assert.Equal("😀\uFFFD😀", StorableText.Mend("😀\0😀"));
    }

    [Theory]
    [InlineData(78, "😀")]
    [InlineData(79, "😀")]
    [InlineData(0, "😀")]
    [InlineData(77, "👨‍👩‍👧")]
    [InlineData(79, "e\u0301")]
    public void Titles_are_cut_between_characters(int asciiBefore, string repeated)
    {
        var message = new string('a', asciiBefore) + string.Concat(Enumerable.Repeat(repeated, 60));
        var title = ConversationTitle.From(message);
        Assert.True(title.Length <= 80, $"{title.Length} units");
        Assert.EndsWith("…", title, StringComparison.Ordinal);
        Assert.Null(StorableText.Describe(title));
        var body = title[..^1];
        Assert.StartsWith(body, message, StringComparison.Ordinal);
        // Ends on a text-element boundary of the message.
        Assert.Contains(body.Length, System.Globalization.StringInfo.ParseCombiningCharacters(message + "x"));
    }
}
