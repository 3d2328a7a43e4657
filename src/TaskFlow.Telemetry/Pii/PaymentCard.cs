namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// Payment card numbers: 13 to 19 digits, Luhn-valid, and starting like a card a network actually issues.
/// The prefix check is what keeps Luhn's one-in-ten chance from flagging ordinary long numbers: epoch-millisecond
/// timestamps (13 digits starting with 1), zero-padded ids, or 9-prefixed account references.
/// </summary>
public static class PaymentCard
{
    public const int MinLength = 13;
    public const int MaxLength = 19;

    /// <summary>True when <paramref name="digits"/> (ASCII digits, no separators) is a plausible card number.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits) =>
        digits.Length is >= MinLength and <= MaxLength
        && HasIssuerPrefix(digits)
        && Luhn.IsValid(digits);

    /// <summary>
    /// Issuer identification ranges of the networks in use: Visa 4; Mastercard 51-55 and 2221-2720; Mir 2200-2204;
    /// Amex 34/37; Diners 30/36/38/39; JCB 35; Discover and UnionPay 6 (with Maestro 50, 56-69); RuPay 60, 65, 81, 82, 508;
    /// UATP 1 (15 digits); Troy 9792. Ranges are broad on purpose: missing a real card costs more than a rare false hit.
    /// </summary>
    private static bool HasIssuerPrefix(ReadOnlySpan<char> digits)
    {
        var length = digits.Length;
        return digits[0] switch
        {
            '1' => length == 15,
            '2' => length >= 16 && (Prefix(digits, 4) is >= 2200 and <= 2204 or >= 2221 and <= 2720),
            '3' => length >= 14 && digits[1] is '0' or '4' or '5' or '6' or '7' or '8' or '9',
            '4' => length is 13 or >= 16,
            '5' => length >= 16 || digits[1] is '0' or '6' or '7' or '8' or '9',
            '6' => true,
            '8' => length == 16 && digits[1] is '1' or '2',
            '9' => length >= 16 && digits.StartsWith("9792"),
            _ => false,
        };
    }

    private static int Prefix(ReadOnlySpan<char> digits, int count) => int.Parse(digits[..count], provider: null);
}
