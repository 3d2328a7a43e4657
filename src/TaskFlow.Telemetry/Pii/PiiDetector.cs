using System.Text.RegularExpressions;

namespace TaskFlow.Telemetry.Pii;

/// <summary>How much of a candidate match is personal data: its length, a shorter prefix, or 0 for none.</summary>
internal delegate int CandidateCheck(string text, Match candidate);

/// <summary>A pattern that finds candidates of one kind and the check that confirms them.</summary>
internal sealed record PiiDetector(PiiKind Kind, Regex Pattern, CandidateCheck Check)
{
    /// <summary>
    /// In priority order: where candidates overlap, the earlier detector wins. Emails first (they may hold digits),
    /// IBANs before cards (their digit groups look like one), the checksummed kinds before phones, whose national
    /// formats are the loosest; the libphonenumber-checked national formats last, after the cheaper phone shapes.
    /// </summary>
    public static IReadOnlyList<PiiDetector> All { get; } =
    [
        new(PiiKind.Email, PiiPatterns.Email(), static (_, m) => m.Length),
        new(PiiKind.Iban, PiiPatterns.Iban(), static (_, m) => Iban.ValidPrefixLength(m.ValueSpan)),
        new(PiiKind.Card, PiiPatterns.Card(), static (_, m) => IfDigits(m, PaymentCard.IsValid)),
        new(PiiKind.Aadhaar, PiiPatterns.Aadhaar(), static (_, m) => IfDigits(m, AadhaarNumber.IsValid)),
        new(PiiKind.Ssn, PiiPatterns.Ssn(), static (_, m) =>
            If(m, SocialSecurityNumber.IsValid(m.Groups["area"].ValueSpan, m.Groups["group"].ValueSpan, m.Groups["serial"].ValueSpan))),
        new(PiiKind.Ssn, PiiPatterns.KeyedSsn(), static (_, m) =>
            If(m, SocialSecurityNumber.IsValid(m.Groups["area"].ValueSpan, m.Groups["group"].ValueSpan, m.Groups["serial"].ValueSpan))),
        new(PiiKind.Pan, PiiPatterns.Pan(), static (_, m) => If(m, PanNumber.IsValid(m.ValueSpan))),
        new(PiiKind.Pan, PiiPatterns.Gstin(), static (_, m) => m.Length),
        new(PiiKind.IpAddress, PiiPatterns.IPv6(), static (_, m) => If(m, IpAddresses.IsIPv6(m.ValueSpan))),
        new(PiiKind.IpAddress, PiiPatterns.IPv4(), static (text, m) => If(m, IpAddresses.IsIPv4(text, m.Index, m.Length))),
        new(PiiKind.Phone, PiiPatterns.InternationalPhone(), static (_, m) => PhoneNumber.LongestValidPrefix(m.ValueSpan, PhoneNumber.IsInternational)),
        new(PiiKind.Phone, PiiPatterns.NorthAmericanPhone(), static (_, m) => If(m, PhoneNumber.IsNorthAmerican(m))),
        new(PiiKind.Phone, PiiPatterns.TrunkPrefixedPhone(), static (_, m) => PhoneNumber.LongestValidPrefix(m.ValueSpan, PhoneNumber.IsTrunkPrefixed)),
        new(PiiKind.Phone, PiiPatterns.IndianMobile(), static (_, m) => m.Length),
        new(PiiKind.Phone, PiiPatterns.NationalPhone(), static (text, m) => NationalPhone.ValidPrefixLength(text, m.Index, m.Length)),
    ];

    private static int If(Match candidate, bool valid) => valid ? candidate.Length : 0;

    /// <summary>Runs a digit check on the candidate with its spaces and dashes removed.</summary>
    private static int IfDigits(Match candidate, DigitCheck check)
    {
        Span<char> digits = stackalloc char[candidate.Length];
        var count = 0;
        foreach (var c in candidate.ValueSpan)
        {
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = c;
            }
        }

        return check(digits[..count]) ? candidate.Length : 0;
    }

    private delegate bool DigitCheck(ReadOnlySpan<char> digits);
}
