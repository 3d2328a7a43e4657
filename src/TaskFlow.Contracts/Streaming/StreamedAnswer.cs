using System.Text;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// The answer a generation's stream holds so far, folded entry by entry: tokens append, and every start clears it,
/// since a job that ran again begins its answer from the beginning. Every reader that keeps the answer folds with this,
/// so they agree on what it was; the page's reducer does the same for what it shows.
/// </summary>
public sealed class StreamedAnswer
{
    private readonly StringBuilder _content = new();

    public int Tokens { get; private set; }

    public string Content => _content.ToString();

    public void Apply(TokenStreamEntry entry)
    {
        switch (entry.Kind)
        {
            case Kinds.Start:
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
