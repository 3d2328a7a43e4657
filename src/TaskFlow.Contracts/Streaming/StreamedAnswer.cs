using System.Text;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// The answer a generation's stream holds so far, folded entry by entry: tokens append, and every start clears it,
/// since a job that ran again begins its answer from the beginning. Every reader that keeps the answer folds with this,
/// so they agree on what it was; the page's reducer does the same for what it shows. It also keeps when the job first
/// started (its first start entry's time), which the answer's record needs when the start was never announced.
/// </summary>
public sealed class StreamedAnswer
{
    private readonly StringBuilder _content = new();

    public int Tokens { get; private set; }

    public string Content => _content.ToString();

    /// <summary>When Redis appended the stream's first start entry, if one has been applied.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    public void Apply(TokenStreamEntry entry)
    {
        switch (entry.Kind)
        {
            case Kinds.Start:
                StartedAt ??= entry.WrittenAt;
                _content.Clear();
                Tokens = 0;
                break;
            case Kinds.Token:
                _content.Append(entry.Text);
                Tokens += entry.Pieces;
                break;
        }
    }
}
