namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// Permanent Account Number (India): AAAAA9999A. The fourth letter says who holds it (P person, C company, H Hindu
/// undivided family, F firm, A association, T trust, B body of individuals, L local authority, J juridical person,
/// G government); the pattern checks that. All upper or all lower case: a mixed-case word is a word.
/// </summary>
public static class PanNumber
{
    public static bool IsValid(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length != 10)
        {
            return false;
        }

        var hasUpper = false;
        var hasLower = false;
        foreach (var c in candidate)
        {
            hasUpper |= char.IsAsciiLetterUpper(c);
            hasLower |= char.IsAsciiLetterLower(c);
        }

        return !(hasUpper && hasLower) && "ABCFGHJLPT".Contains(char.ToUpperInvariant(candidate[3]));
    }
}
