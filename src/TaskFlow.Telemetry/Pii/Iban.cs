using System.Collections.Frozen;

namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// International Bank Account Numbers (ISO 13616): a known country code, the length that country registered with
/// SWIFT, and the ISO 7064 mod-97 check (the number read with letters as 10..35 leaves remainder 1).
/// </summary>
public static class Iban
{
    /// <summary>Lengths from the SWIFT IBAN registry; an unknown country code is not an IBAN.</summary>
    private static readonly FrozenDictionary<string, int> LengthByCountry = new Dictionary<string, int>
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22,
        ["BH"] = 22, ["BI"] = 27, ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24,
        ["DE"] = 22, ["DJ"] = 27, ["DK"] = 18, ["DO"] = 28, ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18,
        ["FK"] = 18, ["FO"] = 18, ["FR"] = 27, ["GB"] = 22, ["GE"] = 22, ["GI"] = 23, ["GL"] = 18, ["GR"] = 27,
        ["GT"] = 28, ["HN"] = 28, ["HR"] = 21, ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26,
        ["IT"] = 27, ["JO"] = 30, ["KW"] = 30, ["KZ"] = 20, ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20,
        ["LU"] = 20, ["LV"] = 21, ["LY"] = 25, ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MK"] = 19, ["MN"] = 20,
        ["MR"] = 27, ["MT"] = 31, ["MU"] = 30, ["NI"] = 28, ["NL"] = 18, ["NO"] = 15, ["OM"] = 23, ["PK"] = 24,
        ["PL"] = 28, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22, ["RU"] = 33, ["SA"] = 24,
        ["SC"] = 31, ["SD"] = 18, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["SO"] = 23, ["ST"] = 25,
        ["SV"] = 28, ["TL"] = 23, ["TN"] = 24, ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20,
        ["YE"] = 30,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered IBAN length for a two-letter country code, or null when the country issues none.</summary>
    public static int? RegisteredLength(ReadOnlySpan<char> countryCode) =>
        LengthByCountry.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(countryCode, out var length) ? length : null;

    /// <summary>True for a compact IBAN (no spaces, either case) of a known country, with its length and check digits right.</summary>
    public static bool IsValid(ReadOnlySpan<char> iban) =>
        iban.Length >= 5
        && RegisteredLength(iban[..2]) == iban.Length
        && char.IsAsciiDigit(iban[2]) && char.IsAsciiDigit(iban[3])
        && Mod97(iban) == 1;

    /// <summary>
    /// How much of a printed candidate ("DE89 3704 0044 0532 0130 00", maybe followed by a word that looked like one
    /// more group) is a valid IBAN: its registered length in characters, ending at a group boundary. 0 when none is.
    /// </summary>
    public static int ValidPrefixLength(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length < 2 || RegisteredLength(candidate[..2]) is not { } length)
        {
            return 0;
        }

        Span<char> compact = stackalloc char[length];
        var taken = 0;
        var end = 0;
        while (end < candidate.Length && taken < length)
        {
            if (candidate[end] != ' ')
            {
                compact[taken++] = candidate[end];
            }

            end++;
        }

        var endsAtBoundary = end == candidate.Length || candidate[end] == ' ';
        return taken == length && endsAtBoundary && IsValid(compact) ? end : 0;
    }

    /// <summary>
    /// ISO 7064 MOD 97-10 of an IBAN: the first four characters move to the end, letters count as 10..35, and the
    /// remainder is computed digit by digit so no big integer is needed. Returns -1 for characters outside [0-9A-Za-z].
    /// </summary>
    public static int Mod97(ReadOnlySpan<char> iban)
    {
        if (iban.Length < 4)
        {
            return -1;
        }

        var remainder = 0;
        foreach (var c in iban[4..])
        {
            if (!Accumulate(ref remainder, c))
            {
                return -1;
            }
        }

        foreach (var c in iban[..4])
        {
            if (!Accumulate(ref remainder, c))
            {
                return -1;
            }
        }

        return remainder;
    }

    private static bool Accumulate(ref int remainder, char c)
    {
        if (char.IsAsciiDigit(c))
        {
            remainder = ((remainder * 10) + (c - '0')) % 97;
            return true;
        }

        if (char.IsAsciiLetter(c))
        {
            var value = char.ToUpperInvariant(c) - 'A' + 10;
            remainder = ((remainder * 100) + value) % 97;
            return true;
        }

        return false;
    }
}
