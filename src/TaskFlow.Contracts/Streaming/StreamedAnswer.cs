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

    public int Length => _content.Length;

    public string Content => _content.ToString();

    /// <summary>The character at <paramref name="index"/>, for comparing with text already sent elsewhere.</summary>
    public char this[int index] => _content[index];

    public string Substring(int start, int length) => _content.ToString(start, length);

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
                Tokens++;
                break;
        }
    }
}
