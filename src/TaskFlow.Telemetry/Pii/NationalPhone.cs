using PhoneNumbers;
using ParsedNumber = PhoneNumbers.PhoneNumber;

namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// Phone numbers in the national formats the other patterns leave out (Brazil "(11) 91234-5678", Germany "030/12345678",
/// China "010-6552 9988" and "138 0013 8000", numbers without separators), confirmed with libphonenumber, Google's
/// metadata of every country's numbering plan. A written number counts only as the country itself writes it: its digits
/// are the country's national format, grouped at that format's boundaries (so "1 234 567 890" is no Brazilian number).
/// Digits without separators look like any id, so they also need <see cref="PhoneContext"/>: a mobile number counts
/// unless the text calls it something else (an order, an amount, a count); any other number only when the text calls
/// it a phone.
/// </summary>
public static class NationalPhone
{
    public const int MinDigits = 9;
    public const int MaxDigits = 12;

    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();

    /// <summary>Countries whose national numbers start with the trunk 0 as written: "020 7946 0958", "030/12345678".</summary>
    private static readonly string[] TrunkZeroRegions = ["GB", "DE", "FR", "IN", "CN", "IT", "NL", "AT", "CH", "BE", "AU", "JP"];

    /// <summary>Countries whose numbers are written without a trunk prefix: "13800138000", "(11) 91234-5678", "9876543210".</summary>
    private static readonly string[] NoTrunkRegions = ["US", "IN", "CN", "BR"];

    /// <summary>How much of <paramref name="length"/> characters at <paramref name="index"/> is a phone number: whole digit groups from the start, or 0.</summary>
    public static int ValidPrefixLength(string text, int index, int length)
    {
        for (var end = index + length; end > index; end--)
        {
            var endsGroup = char.IsAsciiDigit(text[end - 1]) && (end == index + length || !char.IsAsciiDigit(text[end]));
            if (endsGroup && IsPhone(text, index, end - index))
            {
                return end - index;
            }
        }

        return 0;
    }

    private static bool IsPhone(string text, int index, int length)
    {
        var candidate = text.AsSpan(index, length);
        Span<char> digits = stackalloc char[length];
        Span<int> boundaries = stackalloc int[length];
        var (digitCount, boundaryCount) = (0, 0);
        foreach (var c in candidate)
        {
            if (char.IsAsciiDigit(c))
            {
                digits[digitCount++] = c;
            }
            else if (digitCount > 0 && (boundaryCount == 0 || boundaries[boundaryCount - 1] != digitCount))
            {
                boundaries[boundaryCount++] = digitCount;
            }
        }

        if (digitCount is < MinDigits or > MaxDigits || digits.StartsWith("00"))
        {
            return false;
        }

        var number = new string(digits[..digitCount]);
        var context = PhoneContext.Around(text, index, length);
        if (context == PhoneContext.Kind.NotPhone)
        {
            return false;
        }

        var compact = boundaryCount == 0;
        foreach (var region in number[0] == '0' ? TrunkZeroRegions : NoTrunkRegions)
        {
            if (Parse(number, region) is not { } parsed)
            {
                continue;
            }

            if (compact)
            {
                if (context == PhoneContext.Kind.Phone || IsMobile(parsed, region))
                {
                    return true;
                }
            }
            else if (GroupedAsWritten(parsed, number, boundaries[..boundaryCount]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A valid number of the region's country code whose digits, as written, are its national significant number or its national format.</summary>
    private static ParsedNumber? Parse(string digits, string region)
    {
        try
        {
            var parsed = Numbers.Parse(digits, region);
            var asWritten = digits[0] == '0' ? NationalDigits(parsed) : Numbers.GetNationalSignificantNumber(parsed);
            return parsed.CountryCode == Numbers.GetCountryCodeForRegion(region) && Numbers.IsValidNumber(parsed) && asWritten == digits
                ? parsed
                : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>Every place the candidate splits its digits is a place the country's national format splits them.</summary>
    private static bool GroupedAsWritten(ParsedNumber number, string digits, ReadOnlySpan<int> boundaries)
    {
        var formatted = Numbers.Format(number, PhoneNumberFormat.NATIONAL);
        var formattedDigits = 0;
        var formattedBoundaries = new HashSet<int>();
        foreach (var c in formatted)
        {
            if (char.IsAsciiDigit(c))
            {
                formattedDigits++;
            }
            else if (formattedDigits > 0)
            {
                formattedBoundaries.Add(formattedDigits);
            }
        }

        if (formattedDigits != digits.Length)
        {
            return false;
        }

        foreach (var boundary in boundaries)
        {
            if (!formattedBoundaries.Contains(boundary))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A mobile number by its digits alone. India's plan gives some mobile ranges as "fixed line or mobile", yet a ten-digit
    /// number starting 6 to 9 is a mobile there; in North America that label covers every number, so it proves nothing.
    /// </summary>
    private static bool IsMobile(ParsedNumber number, string region) => Numbers.GetNumberType(number) switch
    {
        PhoneNumberType.MOBILE => true,
        PhoneNumberType.FIXED_LINE_OR_MOBILE => region == "IN",
        _ => false,
    };

    private static string NationalDigits(ParsedNumber number) =>
        string.Concat(Numbers.Format(number, PhoneNumberFormat.NATIONAL).Where(char.IsAsciiDigit));
}
