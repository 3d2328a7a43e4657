using System.Text;
using System.Text.RegularExpressions;

namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// Replaces personal data in free text with typed placeholders ([CARD], [EMAIL], …) before anything is stored.
/// Every kind is confirmed beyond its shape (checksums, number ranges, issuer prefixes), so ordinary numbers such as
/// order ids, dates, amounts and versions stay readable. Stateless and thread-safe: register it as a singleton.
/// </summary>
public sealed class PiiRedactor
{
    /// <summary>What a text becomes when it cannot be scanned in time: better unreadable than leaked.</summary>
    public const string Unscannable = "[REDACTED]";

    private readonly IReadOnlyList<PiiDetector> _detectors = PiiDetector.All;

    public static string Placeholder(PiiKind kind) => kind switch
    {
        PiiKind.Email => "[EMAIL]",
        PiiKind.Iban => "[IBAN]",
        PiiKind.Card => "[CARD]",
        PiiKind.Aadhaar => "[AADHAAR]",
        PiiKind.Ssn => "[SSN]",
        PiiKind.Pan => "[PAN]",
        PiiKind.IpAddress => "[IP]",
        PiiKind.Phone => "[PHONE]",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of personal data."),
    };

    /// <summary>The text with every piece of personal data replaced by its placeholder.</summary>
    public string Redact(string? text) => Redact(text, found: null);

    /// <summary>As <see cref="Redact(string?)"/>, and adds what was found to <paramref name="found"/> (for metrics).</summary>
    public string Redact(string? text, ICollection<PiiMatch>? found)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        IReadOnlyList<PiiMatch> matches;
        try
        {
            matches = Find(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return Unscannable;
        }

        if (matches.Count == 0)
        {
            return text;
        }

        var redacted = new StringBuilder(text.Length);
        var position = 0;
        foreach (var match in matches)
        {
            redacted.Append(text, position, match.Index - position).Append(Placeholder(match.Kind));
            position = match.End;
            found?.Add(match);
        }

        return redacted.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>Every piece of personal data in <paramref name="text"/>, in order, none overlapping.</summary>
    /// <exception cref="RegexMatchTimeoutException">A pattern ran too long on a pathological text.</exception>
    public IReadOnlyList<PiiMatch> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var accepted = new List<PiiMatch>();
        // Which characters an accepted match already covers: an overlap check costs the candidate's length, not the
        // number of matches so far, so a text full of personal data is still scanned in linear time.
        var covered = new bool[text.Length];
        foreach (var detector in _detectors)
        {
            var position = 0;
            while (position < text.Length)
            {
                var candidate = detector.Pattern.Match(text, position);
                if (!candidate.Success)
                {
                    break;
                }

                var length = covered.AsSpan(candidate.Index, candidate.Length).Contains(true) ? 0 : detector.Check(text, candidate);
                if (length > 0)
                {
                    accepted.Add(new PiiMatch(detector.Kind, candidate.Index, length));
                    covered.AsSpan(candidate.Index, length).Fill(true);
                    position = candidate.Index + length;
                }
                else
                {
                    // A rejected candidate may hide a valid one that starts inside it.
                    position = candidate.Index + 1;
                }
            }
        }

        accepted.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return accepted;
    }
}
