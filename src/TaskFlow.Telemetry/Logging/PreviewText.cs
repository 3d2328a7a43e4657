using TaskFlow.Telemetry.Pii;

namespace TaskFlow.Telemetry.Logging;

/// <summary>Turns raw free text from an event into what may be stored: redacted first, then capped.</summary>
public static class PreviewText
{
    /// <summary>
    /// Longest input scanned. Redaction runs before truncation (cutting first could split a card number into a
    /// shorter, undetectable one), so this bounds the work a huge event can cause.
    /// </summary>
    public const int ScanLimit = 64 * 1024;

    /// <summary>Longer than any single piece of personal data the redactor knows, printed with separators.</summary>
    private const int CutMargin = 256;

    private const string Ellipsis = "…";

    public static string Create(string? raw, PiiRedactor redactor, int maxLength, ICollection<PiiMatch>? found = null)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        if (string.IsNullOrEmpty(raw))
        {
            return string.Empty;
        }

        string redacted;
        if (raw.Length > ScanLimit)
        {
            // Whatever straddles the cut was scanned only in part, so the tail near it is dropped, not trusted.
            redacted = redactor.Redact(raw[..ScanLimit], found);
            redacted = redacted[..Math.Max(0, redacted.Length - CutMargin)] + Ellipsis;
        }
        else
        {
            redacted = redactor.Redact(raw, found);
        }

        return Truncate(redacted, maxLength);
    }

    /// <summary>
    /// Caps <paramref name="text"/> at <paramref name="maxLength"/> characters, the ellipsis included, without
    /// cutting a placeholder such as [CARD] in half or splitting a surrogate pair.
    /// </summary>
    public static string Truncate(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, Ellipsis.Length + 1);
        if (text.Length <= maxLength)
        {
            return text;
        }

        var cut = maxLength - Ellipsis.Length;
        var open = text.LastIndexOf('[', cut - 1);
        if (open >= 0 && text.IndexOf(']', open) is var close && close >= cut && IsPlaceholder(text, open, close))
        {
            cut = open;
        }

        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), Ellipsis);
    }

    private static bool IsPlaceholder(string text, int open, int close)
    {
        var candidate = text.AsSpan(open, close - open + 1);
        foreach (var kind in Enum.GetValues<PiiKind>())
        {
            if (candidate.SequenceEqual(PiiRedactor.Placeholder(kind)))
            {
                return true;
            }
        }

        return candidate.SequenceEqual(PiiRedactor.Unscannable);
    }
}
