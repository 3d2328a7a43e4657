using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.UnitTests.Streaming;

/// <summary>Entries as a reader gets them: encoded by the writer's factories, numbered, and decoded again from Redis's form.</summary>
internal static class StreamEntries
{
    public static TokenStreamEntry Read(IReadOnlyList<KeyValuePair<string, string>> fields, long sequence = 1) =>
        new StreamEntry($"{sequence}-0", [.. fields.Prepend(TokenStreamEntry.SequenceField(sequence)).Select(f => new NameValueEntry(f.Key, f.Value))])
            .ToTokenStreamEntry();

    public static TokenStreamEntry Start(bool restarted = false) => Read(TokenStreamEntry.Start(restarted));

    public static TokenStreamEntry Token(string text) => Read(TokenStreamEntry.Token(text));
}
