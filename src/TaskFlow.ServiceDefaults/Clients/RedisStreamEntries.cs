using System.Globalization;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace Microsoft.Extensions.Hosting;

/// <summary>Decodes a generation stream's entry as Redis returns it (the worker and ChatSocket both read them).</summary>
public static class RedisStreamEntries
{
    /// <summary>A generation stream's last entry (its end, once it has one), or null while it has none.</summary>
    public static async Task<TokenStreamEntry?> LastTokenStreamEntryAsync(this IDatabase database, RedisKey key)
    {
        var last = await database.StreamRangeAsync(key, "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 1 ? last[0].ToTokenStreamEntry() : null;
    }

    /// <summary>
    /// Each field's name is made a string once. <see cref="StreamEntry"/>'s indexer compares a name read off the wire
    /// with the one asked for as two <see cref="RedisValue"/>s, converting one of them each time: a dozen lookups per
    /// entry were 4-5 % of ChatSocket's CPU samples in a profile at 100 paced chats (docs/benchmarks.md).
    /// </summary>
    public static TokenStreamEntry ToTokenStreamEntry(this StreamEntry entry)
    {
        var fields = entry.Values ?? [];
        var names = new string?[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            names[i] = (string?)fields[i].Name;
        }
        var decoded = TokenStreamEntry.Decode(name =>
        {
            var index = Array.IndexOf(names, name);
            return index < 0 ? null : (string?)fields[index].Value;
        });
        return decoded.Kind == TokenStreamKeys.Kinds.Start ? decoded with { WrittenAt = WrittenAt(entry.Id) } : decoded;
    }

    /// <summary>An entry id Redis gave ("milliseconds-counter") as the time it stands for.</summary>
    private static DateTimeOffset? WrittenAt(RedisValue id) =>
        ((string?)id)?.Split('-')[0] is { } ms && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var unixMs)
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : null;
}
