namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// The Verhoeff check digit (dihedral group D5), which UIDAI uses for the last digit of an Aadhaar number.
/// Unlike Luhn it catches every single-digit error and every swap of adjacent digits.
/// </summary>
public static class Verhoeff
{
    private static readonly byte[,] Multiplication =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 },
        { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 },
        { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
        { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 },
        { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 },
        { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
        { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 },
        { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 },
        { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
        { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
    };

    private static readonly byte[,] Permutation =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 },
        { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 },
        { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
        { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 },
        { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 },
        { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
        { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 },
        { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
    };

    private static readonly byte[] Inverse = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

    /// <summary>True when the last digit of <paramref name="digits"/> is the Verhoeff check digit of the others.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits) => digits.Length >= 2 && Checksum(digits, hasCheckDigit: true) == 0;

    /// <summary>The check digit to append to <paramref name="digits"/>.</summary>
    public static char ComputeCheckDigit(ReadOnlySpan<char> digits)
    {
        var check = Checksum(digits, hasCheckDigit: false);
        return check < 0
            ? throw new ArgumentException("Only the ASCII digits 0-9 can carry a Verhoeff check digit.", nameof(digits))
            : (char)('0' + Inverse[check]);
    }

    private static int Checksum(ReadOnlySpan<char> digits, bool hasCheckDigit)
    {
        var check = 0;
        var offset = hasCheckDigit ? 0 : 1;
        for (var i = 0; i < digits.Length; i++)
        {
            var digit = digits[digits.Length - 1 - i] - '0';
            if ((uint)digit > 9)
            {
                return -1;
            }

            check = Multiplication[check, Permutation[(i + offset) % 8, digit]];
        }

        return check;
    }
}
