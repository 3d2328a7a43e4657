using System.Text.RegularExpressions;

namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// Decides whether a phone-shaped candidate is a phone number. The patterns require separators for national formats;
/// these checks add what makes dates, times, amounts and lists of small numbers fall out.
/// </summary>
public static class PhoneNumber
{
    /// <summary>E.164 allows at most 15 digits including the country code; fewer than 8 is no reachable number.</summary>
    public const int MinInternationalDigits = 8;
    public const int MaxInternationalDigits = 15;

    /// <summary>
    /// A +CC (or 00 CC) number: 8 to 15 digits after the prefix, not counting a "(0)" trunk prefix that some people
    /// write after the country code. The 00 form must show separators: a bare 00-padded id is not a phone.
    /// </summary>
    public static bool IsInternational(ReadOnlySpan<char> candidate)
    {
        var doubleZero = candidate.StartsWith("00");
        var digits = 0;
        var separated = false;
        for (var i = doubleZero ? 2 : 0; i < candidate.Length; i++)
        {
            if (candidate[i..].StartsWith("(0)"))
            {
                i += 2;
                continue;
            }

            if (char.IsAsciiDigit(candidate[i]))
            {
                digits++;
            }
            else
            {
                separated |= candidate[i] != '+';
            }
        }

        return digits is >= MinInternationalDigits and <= MaxInternationalDigits && (separated || !doubleZero);
    }

    /// <summary>NANP: neither the area code nor the exchange starts with 0 or 1 (so 123-456-7890 and 555-012-3456 are not phones).</summary>
    public static bool IsNorthAmerican(Match candidate) =>
        candidate.Groups["area"].ValueSpan[0] is >= '2' and <= '9'
        && candidate.Groups["exchange"].ValueSpan[0] is >= '2' and <= '9';

    /// <summary>
    /// A national number with a trunk 0: 9 to 12 digits and one kind of separator throughout. Dates such as 01.02.2026
    /// have 8 digits; a date followed by a time mixes separators.
    /// </summary>
    public static bool IsTrunkPrefixed(ReadOnlySpan<char> candidate)
    {
        var digits = 0;
        var separator = '\0';
        var afterParenthesis = false;
        foreach (var c in candidate)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
                afterParenthesis = false;
            }
            else if (c == ')')
            {
                afterParenthesis = true;
            }
            else if (c is ' ' or '.' or '-')
            {
                // "(020) 7946 0958": the space after the parenthesis is not the number's separator.
                if (!afterParenthesis)
                {
                    if (separator != '\0' && separator != c)
                    {
                        return false;
                    }

                    separator = c;
                }

                afterParenthesis = false;
            }
        }

        return digits is >= 9 and <= 12;
    }

    /// <summary>
    /// The longest prefix of <paramref name="candidate"/> that ends with a whole digit group and passes
    /// <paramref name="check"/>, or 0. Patterns take digit groups greedily, so "020 7946 0958 12 times" arrives with
    /// the 12 attached; the phone is the part before it.
    /// </summary>
    public static int LongestValidPrefix(ReadOnlySpan<char> candidate, SpanCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        for (var end = candidate.Length; end > 0; end--)
        {
            var endsGroup = char.IsAsciiDigit(candidate[end - 1]) && (end == candidate.Length || !char.IsAsciiDigit(candidate[end]));
            if (endsGroup && check(candidate[..end]))
            {
                return end;
            }
        }

        return 0;
    }
}

public delegate bool SpanCheck(ReadOnlySpan<char> value);
