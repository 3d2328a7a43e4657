using System.Text.RegularExpressions;

namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// Candidate patterns. They only find the shape; each detector then checks what a regex cannot (Luhn, Verhoeff,
/// mod-97, number ranges), so a pattern may be generous. Digits are [0-9], never \d, which would also match other
/// scripts' digits that the checksums cannot read.
/// </summary>
internal static partial class PiiPatterns
{
    /// <summary>A regex that runs longer than this on one text gives up; the caller then masks the whole text.</summary>
    public const int TimeoutMilliseconds = 2_000;

    // A number stands alone: not glued to a letter or digit, and not the tail of a bigger token such as 1.5, 3/4,
    // 12:30, 1,234 or ORD-1234 (a separator right after a letter or digit). "card:4111…" is still a number on its own,
    // and so is a field of a CSV row ("Liam,07911123456", "42,536-22-1234"): after a comma, only a group of three
    // digits that ends there is the rest of a number (1,234 or 1,234.5).
    private const string NumberStart = @"(?<![\p{L}\p{N}_]|[\p{L}\p{N}][./-]|[0-9]:)(?!(?<=[0-9],)[0-9]{3}(?![0-9/-]))";

    // …and ends: no letter or digit right after it, and no separator that continues it (1234.56, 12-34, 10/11, 1,234).
    // A comma ends a CSV field unless it follows a group short enough to be part of a grouped number (1,234,567).
    private const string NumberEnd = @"(?![\p{L}\p{N}_]|[./:-][\p{L}\p{N}]|(?<![0-9]{4}),[0-9])";

    // A card number is 13 to 19 digits, never a thousands group or a decimal part, so a comma on either side is always
    // a field separator: "42,4111111111111111,12/27".
    private const string CardStart = @"(?<![\p{L}\p{N}_]|[\p{L}\p{N}][./-]|[0-9]:)";
    private const string CardEnd = @"(?![\p{L}\p{N}_]|[./:-][\p{L}\p{N}])";

    private const string WordStart = @"(?<![\p{L}\p{N}_])";
    private const string WordEnd = @"(?![\p{L}\p{N}_])";

    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    [GeneratedRegex(
        @"(?<![\p{L}\p{N}._%+-]|[\p{L}\p{N}]['’])[\p{L}\p{N}._%+-]+(?:['’][\p{L}\p{N}._%+-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}_-])",
        Options, TimeoutMilliseconds)]
    public static partial Regex Email();

    // Country code, check digits, then the BBAN either compact or in the printed groups of four.
    [GeneratedRegex(
        WordStart + @"[A-Za-z]{2}[0-9]{2}(?:[A-Za-z0-9]{11,30}| [A-Za-z0-9]{4}(?: [A-Za-z0-9]{4}){1,6}(?: [A-Za-z0-9]{1,4})?)" + WordEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex Iban();

    // Compact, or grouped the way cards are printed (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3) with one kind of separator.
    [GeneratedRegex(
        CardStart + @"(?:[0-9]{13,19}|[0-9]{4}(?<sep>[ -])[0-9]{3,6}(?:\k<sep>[0-9]{3,6}){1,3})" + CardEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex Card();

    // Twelve digits, never starting with 0 or 1, compact or printed 4-4-4, and not three groups out of a longer run
    // of four-digit groups (the middle of a 16-digit number that failed the card check is not an Aadhaar number).
    [GeneratedRegex(
        NumberStart + @"(?<![0-9]{4} )[2-9][0-9]{3}(?<sep>[ -]?)[0-9]{4}\k<sep>[0-9]{4}(?! [0-9]{4}(?![0-9]))" + NumberEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex Aadhaar();

    [GeneratedRegex(
        NumberStart + @"(?<area>[0-9]{3})(?<sep>[ -])(?<group>[0-9]{2})\k<sep>(?<serial>[0-9]{4})" + NumberEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex Ssn();

    // Nine digits without separators are an SSN only where the text says so: a key (ssn=, "ssn": , SSN:, social
    // security number) right before them. The key is not part of the match, so it stays readable.
    [GeneratedRegex(
        @"(?<=(?<![\p{L}\p{N}_])(?i:ssn|social[ _-]?security(?:[ _-]?(?:number|no|num))?|ss_?no)[""']?[ ]{0,3}[:=#]?[ ]{0,3}[""']?)" +
        @"(?<area>[0-9]{3})(?<group>[0-9]{2})(?<serial>[0-9]{4})" + NumberEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex KeyedSsn();

    // Five letters (the fourth says who holds it), four digits, a check letter.
    [GeneratedRegex(WordStart + @"[A-Za-z]{3}[ABCFGHJLPTabcfghjlpt][A-Za-z][0-9]{4}[A-Za-z]" + WordEnd, Options, TimeoutMilliseconds)]
    public static partial Regex Pan();

    // A GSTIN (state code, PAN, entity number, Z, check character) carries its holder's PAN inside; for a sole
    // proprietor that is a person's PAN, so the whole GSTIN is redacted as one.
    [GeneratedRegex(
        WordStart + @"[0-3][0-9][A-Z]{3}[ABCFGHJLPT][A-Z][0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]" + WordEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex Gstin();

    // Groups of hex and colons, optionally ending in a dotted IPv4 (::ffff:192.0.2.1); IPAddress.TryParse decides.
    [GeneratedRegex(
        @"(?<![\p{L}\p{N}_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{0,4})(?![\p{L}\p{N}_:]|\.[0-9])",
        Options, TimeoutMilliseconds)]
    public static partial Regex IPv6();

    // Exactly four dotted parts: 1.2.3.4.5 and the middle of 10.1.2.3.4 are not addresses. A port or prefix may follow.
    // After a name and a slash or dash it is a version: Chrome/120.0.0.0, app-2.4.1.0 (but http://10.0.0.1 is an address).
    [GeneratedRegex(
        @"(?<![\p{L}\p{N}_.]|[\p{L}\p{N}_][/-])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![\p{L}\p{N}_]|\.[0-9])",
        Options, TimeoutMilliseconds)]
    public static partial Regex IPv4();

    // +CC (or the 00 international prefix) then groups separated by single spaces, dots or dashes, an area code
    // possibly in parentheses: +44 (0)20 7946 0958, 0044 20 7946 0958. Like trunk-prefixed numbers, a 00 number does
    // not continue a run of digit groups.
    [GeneratedRegex(
        @"(?<![\p{L}\p{N}_+]|[\p{L}\p{N}][./-]|[0-9],)(?:\+|(?<![0-9] )00)[1-9][0-9]{0,2}(?:[ .-]?(?:\([0-9]{1,4}\)|[0-9]{1,5})){1,7}(?![0-9])",
        Options, TimeoutMilliseconds)]
    public static partial Regex InternationalPhone();

    // North American: (415) 555-0100, 415-555-0100, 415.555.0100, 1-800-555-0199. A separator is required before the
    // last four digits, so a bare ten-digit number (an id, an amount in cents) is not a phone.
    [GeneratedRegex(
        NumberStart + @"(?:1[ .-])?(?:\((?<area>[0-9]{3})\) ?|(?<area>[0-9]{3})[ .-])(?<exchange>[0-9]{3})[ .-][0-9]{4}" + NumberEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex NorthAmericanPhone();

    // National numbers with a trunk 0 (UK 020 7946 0958, FR 01 23 45 67 89, DE 030 1234567, IN 098765 43210). The
    // area code after the 0 never starts with 0 (00 is the international prefix), and the number does not continue
    // a run of digit groups: "0532 0130 00" at the end of a mistyped IBAN is not a phone.
    [GeneratedRegex(
        NumberStart + @"(?<![0-9] )(?:\(0[1-9][0-9]{0,4}\) ?|0[1-9][0-9]{0,4}[ .-])[0-9]{2,8}(?:[ .-][0-9]{2,8}){0,3}" + NumberEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex TrunkPrefixedPhone();

    // Digit groups with any of the separators national formats use, an area code maybe in parentheses: (11) 91234-5678,
    // 030/12345678, 010-6552 9988, 138 0013 8000, or no separator at all. Generous on purpose: NationalPhone decides.
    // Like trunk-prefixed numbers, it does not continue a run of digit groups (the tail of a mistyped IBAN).
    [GeneratedRegex(
        NumberStart + @"(?<![0-9] )(?:\([0-9]{2,5}\)[ ]?)?[0-9]{2,12}(?:(?:[ ]?[/-][ ]?|[ .])[0-9]{2,8}){0,4}" + NumberEnd,
        Options, TimeoutMilliseconds)]
    public static partial Regex NationalPhone();

    // Indian mobile numbers as usually written: 98765 43210 or 98765-43210.
    [GeneratedRegex(NumberStart + @"[6-9][0-9]{4}[ -][0-9]{5}" + NumberEnd, Options, TimeoutMilliseconds)]
    public static partial Regex IndianMobile();
}
