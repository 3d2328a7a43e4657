using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.ML.Tokenizers;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>
/// Counts tokens with a real BPE tokenizer (o200k_base, GPT-4o's) rather than characters / 4, which is far off for
/// code, non-English text and numbers. Other models split text differently, but within a few percent for prose,
/// which is what a budget needs. Loading the vocabulary takes a moment and the tokenizer is thread-safe, so there is
/// one per process (a singleton).
/// </summary>
/// <remarks>
/// BPE merges within one pre-token cost the square of its length, and a run of text with no space (Chinese or
/// Japanese prose, a long URL, base64) is one pre-token: 16,000 CJK characters took 1.3 s to count, and a message is
/// counted several times. So text is counted in pieces of at most <see cref="MaxPieceLength"/> characters, cut before
/// whitespace where the tokenizer's own pre-tokens end, else between two characters. That keeps the cost linear; a cut
/// inside a run can only lose a merge, so the count errs by at most one token per cut, towards more.
/// </remarks>
public sealed class TokenCounter : IDisposable
{
    /// <summary>Per-message framing tokens chat formats add (role markers and separators).</summary>
    public const int PerMessageOverhead = 4;

    public const int MaxPieceLength = 64;

    private const string Elision = "\n[…]\n";

    /// <summary>How many messages' counts are kept.</summary>
    public const int CachedMessages = 100_000;

    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

    // Every turn plans its prompt from the conversation's history, so the same messages (and the system prompt) are
    // counted turn after turn: at 800 chats the tokenizer was ChatSocket's costliest method (4.5 % of its CPU samples).
    // Counts are kept by a hash of the text, not the text: what a deleted conversation said does not linger here.
    private readonly MemoryCache _messageCounts = new(new MemoryCacheOptions { SizeLimit = CachedMessages });

    public int Count(string text)
    {
        var total = 0;
        foreach (var piece in Pieces(text))
        {
            total += _tokenizer.CountTokens(text.AsSpan(piece));
        }
        return total;
    }

    /// <summary>What a message with this content costs in a chat prompt.</summary>
    public int CountMessage(string text)
    {
        var key = Fingerprint(text);
        if (_messageCounts.TryGetValue(key, out int known))
        {
            return known;
        }
        var count = Count(text) + PerMessageOverhead;
        _messageCounts.Set(key, count, new MemoryCacheEntryOptions { Size = 1 });
        return count;
    }

    public void Dispose() => _messageCounts.Dispose();

    private static UInt128 Fingerprint(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(MemoryMarshal.AsBytes(text.AsSpan()), hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

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
            var head = IndexAtTokens(text, keep, fromEnd: false);
            var tail = IndexAtTokens(text, keep, fromEnd: true);
            var cut = text[..head] + Elision + text[Math.Max(head, tail)..];
            if (keep <= 0 || Count(cut) <= maxTokens)
            {
                return cut;
            }
        }
    }

    /// <summary>
    /// Consecutive ranges covering <paramref name="text"/>, each at most <see cref="MaxPieceLength"/> characters,
    /// ending before whitespace where there is some in the second half of the piece, and never inside a character
    /// (surrogate pair, combining sequence).
    /// </summary>
    public static IEnumerable<Range> Pieces(string text)
    {
        var start = 0;
        while (text.Length - start > MaxPieceLength)
        {
            var end = LastWhitespace(text, start + MaxPieceLength / 2, start + MaxPieceLength);
            if (end < 0)
            {
                end = start;
                while (end < text.Length && end + StringInfo.GetNextTextElementLength(text, end) - start <= MaxPieceLength)
                {
                    end += StringInfo.GetNextTextElementLength(text, end);
                }
                // One text element longer than a piece (a pathological stack of combining marks) stays whole.
                end = end == start ? start + StringInfo.GetNextTextElementLength(text, start) : end;
            }
            yield return start..end;
            start = end;
        }
        if (start < text.Length)
        {
            yield return start..text.Length;
        }
    }

    private static int LastWhitespace(string text, int from, int to)
    {
        for (var i = to; i > from; i--)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// Where the first <paramref name="tokens"/> tokens of <paramref name="text"/> end, or (<paramref name="fromEnd"/>)
    /// where its last ones begin, walking whole pieces and asking the tokenizer only inside the piece the cut falls in.
    /// </summary>
    private int IndexAtTokens(string text, int tokens, bool fromEnd)
    {
        foreach (var piece in fromEnd ? Pieces(text).Reverse() : Pieces(text))
        {
            if (tokens <= 0)
            {
                return fromEnd ? piece.End.Value : piece.Start.Value;
            }
            var span = text.AsSpan(piece);
            var count = _tokenizer.CountTokens(span);
            if (count > tokens)
            {
                return piece.Start.Value + (fromEnd
                    ? _tokenizer.GetIndexByTokenCountFromEnd(span, tokens, out _, out _)
                    : _tokenizer.GetIndexByTokenCount(span, tokens, out _, out _));
            }
            tokens -= count;
        }
        return fromEnd ? 0 : text.Length;
    }
}
