using TaskFlow.Telemetry.Pii;

namespace TaskFlow.UnitTests.Telemetry;

public sealed class PiiRedactorTests
{
    private readonly PiiRedactor _redactor = new();

    [Theory]
    [MemberData(nameof(PiiRedactorCases.Redacted), MemberType = typeof(PiiRedactorCases))]
    public void Replaces_personal_data_with_typed_placeholders(string input, string expected) =>
        Assert.Equal(expected, _redactor.Redact(input));

    [Theory]
    [MemberData(nameof(PiiRedactorCases.Untouched), MemberType = typeof(PiiRedactorCases))]
    public void Leaves_ordinary_text_alone(string input) =>
        Assert.Equal(input, _redactor.Redact(input));

    [Theory]
    [MemberData(nameof(PiiRedactorCases.Redacted), MemberType = typeof(PiiRedactorCases))]
    public void Redacting_twice_changes_nothing_more(string input, string expected)
    {
        Assert.Equal(expected, _redactor.Redact(_redactor.Redact(input)));
    }

    [Theory]
    [InlineData("4111 1111 1111 1111", PiiKind.Card)]
    [InlineData("2345 6789 0124", PiiKind.Aadhaar)]
    [InlineData("ABCPE1234F", PiiKind.Pan)]
    [InlineData("GB82 WEST 1234 5698 7654 32", PiiKind.Iban)]
    [InlineData("a@example.com", PiiKind.Email)]
    [InlineData("+44 20 7946 0958", PiiKind.Phone)]
    [InlineData("536-22-1234", PiiKind.Ssn)]
    [InlineData("192.168.0.1", PiiKind.IpAddress)]
    [InlineData("2001:db8::1", PiiKind.IpAddress)]
    public void Reports_the_kind_and_span_it_found(string value, PiiKind kind)
    {
        var text = $"x {value} y";

        var match = Assert.Single(_redactor.Find(text));

        Assert.Equal(new PiiMatch(kind, 2, value.Length), match);
    }

    [Fact]
    public void Finds_matches_in_text_order_whatever_the_detector_order()
    {
        var matches = _redactor.Find("call +1 415 555 0100 or mail a@b.io from 10.0.0.1");

        Assert.Equal([PiiKind.Phone, PiiKind.Email, PiiKind.IpAddress], matches.Select(m => m.Kind));
    }

    [Fact]
    public void Collects_what_it_found_while_redacting()
    {
        var found = new List<PiiMatch>();

        _redactor.Redact("a@b.io and c@d.io", found);

        Assert.Equal(2, found.Count);
        Assert.All(found, match => Assert.Equal(PiiKind.Email, match.Kind));
    }

    [Fact]
    public void An_email_wins_over_the_digits_inside_it()
    {
        Assert.Equal("[EMAIL]", _redactor.Redact("4111111111111111@cards.example.com"));
    }

    [Fact]
    public void Null_and_empty_become_empty() =>
        Assert.Equal(string.Empty, _redactor.Redact(null));

    [Fact]
    public void Has_a_placeholder_for_every_kind() =>
        Assert.All(Enum.GetValues<PiiKind>(), kind => Assert.Matches(@"^\[[A-Z]+\]$", PiiRedactor.Placeholder(kind)));

    [Fact]
    public void Redacts_every_occurrence_in_a_long_text()
    {
        var line = "Order ORD-12345678 on 2026-11-22 cost $1,234.56 (v1.2.3); mail a@b.io, card 4111 1111 1111 1111. ";
        var text = string.Concat(Enumerable.Repeat(line, 600));

        var redacted = _redactor.Redact(text);

        // Speed is a benchmark's business; here only completeness on a long input is checked.
        Assert.DoesNotContain("4111", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("a@b.io", redacted, StringComparison.Ordinal);
        Assert.Equal(600, redacted.Split("[CARD]").Length - 1);
        Assert.Equal(600, redacted.Split("ORD-12345678").Length - 1);
    }
}
