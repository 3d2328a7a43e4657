namespace TaskFlow.Telemetry.Pii;

/// <summary>The kinds of personal data the redactor finds, each replaced by its own typed placeholder.</summary>
public enum PiiKind
{
    Email,
    Iban,
    Card,
    Aadhaar,
    Ssn,
    Pan,
    IpAddress,
    Phone,
}

/// <summary>One piece of personal data found in a text.</summary>
public readonly record struct PiiMatch(PiiKind Kind, int Index, int Length)
{
    public int End => Index + Length;
}
