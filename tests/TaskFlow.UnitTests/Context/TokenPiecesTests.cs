using Microsoft.ML.Tokenizers;
using TaskFlow.ChatSocket.Conversations;

namespace TaskFlow.UnitTests.Context;

/// <summary>
/// Counting is linear because no piece handed to the tokenizer is longer than <see cref="TokenCounter.MaxPieceLength"/>
/// (BPE within one piece costs its length squared: 16,000 unbroken CJK characters took 1.3 s as one piece).
/// </summary>
public sealed class TokenPiecesTests
{
    private static readonly TokenCounter Tokens = new();
    private static readonly Tokenizer Exact = TiktokenTokenizer.CreateForEncoding("o200k_base");

    public static TheoryData<string, string> Texts => new()
    {
        { "unbroken CJK", string.Concat(Enumerable.Range(0, 16_000).Select(i => (char)(0x4E00 + i * 7919 % 20_000))) },
        { "one long word", new string('a', 16_000) },
        { "emoji", string.Concat(Enumerable.Repeat("😀👍🏽👨‍👩‍👧", 2_000)) },
        { "combining marks", string.Concat(Enumerable.Repeat("e\u0301a\u0308", 4_000)) },
        { "prose", string.Join(' ', Enumerable.Repeat("The quick brown fox jumps over the lazy dog.", 400)) },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Pieces_cover_the_text_are_bounded_and_never_split_a_character(string kind, string text)
    {
        var pieces = TokenCounter.Pieces(text).ToList();
        Assert.Equal(text, string.Concat(pieces.Select(p => text[p])));
        Assert.All(pieces, p => Assert.InRange(p.GetOffsetAndLength(text.Length).Length, 1, TokenCounter.MaxPieceLength));
        var boundaries = System.Globalization.StringInfo.ParseCombiningCharacters(text).ToHashSet();
        Assert.All(pieces, p => Assert.Contains(p.Start.Value, boundaries));
        Assert.True(pieces.Count >= text.Length / TokenCounter.MaxPieceLength, kind);
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Counts_stay_within_one_token_per_cut_of_the_exact_count_and_never_under(string kind, string text)
    {
        var exact = Exact.CountTokens(text);
        var counted = Tokens.Count(text);
        var cuts = TokenCounter.Pieces(text).Count() - 1;
        Assert.InRange(counted, exact, exact + cuts);
        if (kind == "prose")
        {
            // Cut before spaces, where the tokenizer's own pre-tokens end: exact.
            Assert.Equal(exact, counted);
        }
    }

    [Fact]
    public void Truncating_a_long_unbroken_text_keeps_both_ends_within_the_budget()
    {
        var text = "开始" + string.Concat(Enumerable.Range(0, 16_000).Select(i => (char)(0x4E00 + i * 31 % 20_000))) + "结束";
        var cut = Tokens.TruncateMiddle(text, 500);
        Assert.InRange(Tokens.Count(cut), 400, 500);
        Assert.StartsWith("开始", cut, StringComparison.Ordinal);
        Assert.EndsWith("结束", cut, StringComparison.Ordinal);
    }
}
