namespace TaskFlow.Telemetry.Pii;

/// <summary>Aadhaar (India): 12 digits, never starting with 0 or 1, the last one a Verhoeff check digit.</summary>
public static class AadhaarNumber
{
    public static bool IsValid(ReadOnlySpan<char> digits) =>
        digits.Length == 12
        && digits[0] is >= '2' and <= '9'
        && Verhoeff.IsValid(digits);
}
