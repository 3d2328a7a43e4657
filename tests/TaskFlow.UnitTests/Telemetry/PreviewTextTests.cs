using TaskFlow.Telemetry.Logging;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.UnitTests.Telemetry;

public sealed class PreviewTextTests
{
    private readonly PiiRedactor _redactor = new();

    [Fact]
    public void Short_text_is_only_redacted() =>
        Assert.Equal("mail [EMAIL]", PreviewText.Create("mail a@b.io", _redactor, 500));

    [Fact]
    public void Long_text_is_capped_with_an_ellipsis()
    {
        var preview = PreviewText.Create(new string('x', 1000), _redactor, 500);

        Assert.Equal(500, preview.Length);
        Assert.EndsWith("…", preview, StringComparison.Ordinal);
    }

    [Fact]
    public void Redaction_happens_before_the_cut_so_a_card_on_the_edge_is_not_left_half_visible()
    {
        // Cut first, the preview would end in "4111 1111 1111": twelve digits no check recognises as a card.
        var text = new string('x', 30) + " 4111 1111 1111 1111 " + new string('y', 100);

        var preview = PreviewText.Create(text, _redactor, 46);

        Assert.DoesNotContain("1111", preview, StringComparison.Ordinal);
        Assert.StartsWith(new string('x', 30) + " [CARD]", preview, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placeholder_is_never_cut_in_half()
    {
        var text = new string('x', 45) + "[AADHAAR] tail";

        Assert.Equal(new string('x', 45) + "…", PreviewText.Truncate(text, 50));
    }

    [Fact]
    public void Ordinary_brackets_are_cut_like_any_text()
    {
        var text = new string('x', 45) + "[not a placeholder]";

        Assert.Equal(new string('x', 45) + "[not…", PreviewText.Truncate(text, 50));
    }

    [Fact]
    public void A_surrogate_pair_is_never_split()
    {
        var text = new string('x', 8) + "😀😀😀";

        var preview = PreviewText.Truncate(text, 10);

        Assert.Equal(new string('x', 8) + "…", preview);
    }

    [Fact]
    public void Huge_text_is_scanned_up_to_the_limit_and_stays_capped()
    {
        var text = string.Concat(Enumerable.Repeat("card 4111 1111 1111 1111 ", 10_000));

        var preview = PreviewText.Create(text, _redactor, 500);

        Assert.True(preview.Length <= 500);
        Assert.DoesNotContain("4111", preview, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_becomes_empty() =>
        Assert.Equal(string.Empty, PreviewText.Create(null, _redactor, 500));
}
