using Microsoft.ML.Tokenizers;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Counts tokens with a real BPE tokenizer (o200k_base, GPT-4o's) rather than characters / 4. Other models split
/// text differently, but within a few percent for prose, which is what a budget needs. Loading it takes a moment,
/// so there is one per process.
/// </summary>
public sealed class TokenCounter
{
    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

    /// <summary>Per-message framing tokens chat formats add (role markers and separators).</summary>
    public const int PerMessageOverhead = 4;

    public int Count(string text) => _tokenizer.CountTokens(text);

    public int CountMessage(string text) => Count(text) + PerMessageOverhead;

    /// <summary>Keeps the start and the end of a text that alone exceeds the budget, cutting from the middle.</summary>
    public string TruncateMiddle(string text, int maxTokens)
    {
        if (Count(text) <= maxTokens)
        {
            return text;
        }
        const string marker = "\n[…]\n";
        var keep = Math.Max(0, (maxTokens - Count(marker)) / 2);
        var head = _tokenizer.GetIndexByTokenCount(text, keep, out _, out _);
        var tail = _tokenizer.GetIndexByTokenCountFromEnd(text, keep, out _, out _);
        return text[..head] + marker + text[tail..];
    }
}
