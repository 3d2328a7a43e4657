using System.ComponentModel.DataAnnotations;

namespace TaskFlow.ChatSocket.Generations;

/// <summary>
/// Optional humanized delivery (the seed's cadence): a base delay with jitter, longer at sentence ends and clause
/// breaks. Off by default: it adds seconds to every answer, which suits a conversational UI, not an API.
/// </summary>
public sealed class PacingOptions
{
    public const string SectionName = "Chat:Pacing";

    public bool Enabled { get; set; }

    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(30);

    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan Jitter { get; set; } = TimeSpan.FromMilliseconds(15);

    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan SentencePause { get; set; } = TimeSpan.FromMilliseconds(250);

    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan ClausePause { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long to wait before delivering <paramref name="token"/>.</summary>
    public TimeSpan DelayFor(string token, Random random)
    {
        var trimmed = token.TrimEnd();
        var pause = trimmed.Length == 0 ? TimeSpan.Zero
            : trimmed[^1] is '.' or '!' or '?' ? SentencePause
            : trimmed[^1] is ',' or ';' or ':' ? ClausePause
            : TimeSpan.Zero;
        var jitter = Jitter * ((random.NextDouble() * 2) - 1);
        var delay = BaseDelay + jitter + pause;
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
