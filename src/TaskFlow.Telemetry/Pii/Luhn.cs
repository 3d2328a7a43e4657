namespace TaskFlow.Telemetry.Pii;

/// <summary>The Luhn (mod 10) check that every payment card number carries in its last digit.</summary>
public static class Luhn
{
    /// <summary>True when <paramref name="digits"/> (ASCII digits only) passes the Luhn check.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 2)
        {
            return false;
        }

        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var digit = digits[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            if (doubleIt)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }
}
