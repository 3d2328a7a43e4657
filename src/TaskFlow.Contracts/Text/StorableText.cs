using System.Globalization;
using System.Text;

namespace TaskFlow.Contracts.Text;

/// <summary>
/// What text PostgreSQL (UTF-8) can hold and what it cannot: everything Unicode encodes, any plane and every control
/// character, except U+0000 (PostgreSQL refuses it in text) and unpaired UTF-16 surrogates (not Unicode, so UTF-8
/// cannot encode them). A user's text with either is refused with <see cref="Describe"/>; a model's output is mended
/// with <see cref="Mend"/>, since what a model wrote must be stored whatever it is.
/// </summary>
public static class StorableText
{
    public const char Replacement = '\uFFFD';

    /// <summary>Null when the text can be stored as is; otherwise what is wrong and where, for the person who sent it.</summary>
    public static string? Describe(string text)
    {
        var position = IndexOfUnstorable(text);
        if (position < 0)
        {
            return null;
        }
        var where = CharacterPosition(text, position);
        return text[position] == '\0'
            ? $"The text contains a NUL character (U+0000) at character {where}, which cannot be stored. Remove it and send again."
            : $"The text contains half of a character (an unpaired UTF-16 surrogate, U+{(int)text[position]:X4}) at character {where}: it is not valid Unicode. Send the whole character or remove it.";
    }

    /// <summary>The text with every NUL and unpaired surrogate replaced by U+FFFD; the same instance when there is none.</summary>
    public static string Mend(string text)
    {
        var position = IndexOfUnstorable(text);
        if (position < 0)
        {
            return text;
        }
        var mended = new StringBuilder(text.Length);
        mended.Append(text, 0, position);
        for (var i = position; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                mended.Append(c).Append(text[++i]);
            }
            else
            {
                mended.Append(c == '\0' || char.IsSurrogate(c) ? Replacement : c);
            }
        }
        return mended.ToString();
    }

    /// <summary>
    /// The longest start of <paramref name="text"/> of at most <paramref name="maxLength"/> UTF-16 units that ends on a
    /// text-element boundary, so no emoji, surrogate pair or combining sequence is cut in half.
    /// </summary>
    public static string Prefix(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }
        var end = 0;
        while (end < text.Length)
        {
            var next = end + StringInfo.GetNextTextElementLength(text, end);
            if (next > maxLength)
            {
                break;
            }
            end = next;
        }
        return text[..end];
    }

    private static int IndexOfUnstorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return i;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>1-based, in characters as a person counts them (a surrogate pair is one).</summary>
    private static int CharacterPosition(string text, int index)
    {
        var characters = 0;
        for (var i = 0; i < index; i++)
        {
            if (!char.IsLowSurrogate(text[i]) || i == 0 || !char.IsHighSurrogate(text[i - 1]))
            {
                characters++;
            }
        }
        return characters + 1;
    }
}
