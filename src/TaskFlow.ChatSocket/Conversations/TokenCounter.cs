using Microsoft.ML.Tokenizers;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Counts tokens with a real BPE tokenizer (o200k_base, GPT-4o's) rather than characters / 4, which is far off for
/// code, non-English text and numbers. Other models split text differently, but within a few percent for prose,
/// which is what a budget needs. Loading the vocabulary takes a moment and the tokenizer is thread-safe, so there is
/// one per process (a singleton).
/// </summary>
public sealed class TokenCounter
{
    /// <summary>Per-message framing tokens chat formats add (role markers and separators).</summary>
    public const int PerMessageOverhead = 4;

    private const string Elision = "\n[…]\n";

    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

    public int Count(string text) => _tokenizer.CountTokens(text);

    /// <summary>What a message with this content costs in a chat prompt.</summary>
    public int CountMessage(string text) => Count(text) + PerMessageOverhead;

    /// <summary>
    /// Keeps the start and the end of a text that alone exceeds <paramref name="maxTokens"/>, cutting from the middle:
    /// the start usually says what is asked, the end what is wanted.
    /// </summary>
    public string TruncateMiddle(string text, int maxTokens)
    {
        if (Count(text) <= maxTokens)
        {
            return text;
        }
        // Tokens can merge differently where the halves meet the marker, so shrink until the result really fits.
        for (var keep = Math.Max(0, (maxTokens - Count(Elision)) / 2); ; keep--)
        {
            var head = _tokenizer.GetIndexByTokenCount(text, keep, out _, out _);
            var tail = _tokenizer.GetIndexByTokenCountFromEnd(text, keep, out _, out _);
            var cut = text[..head] + Elision + text[tail..];
            if (keep <= 0 || Count(cut) <= maxTokens)
            {
                return cut;
            }
        }
    }
}
