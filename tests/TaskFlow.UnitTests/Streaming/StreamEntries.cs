using TaskFlow.Contracts.Streaming;

namespace TaskFlow.UnitTests.Streaming;

/// <summary>Entries as a reader gets them: encoded by the writer's factories, numbered, and decoded again.</summary>
internal static class StreamEntries
{
    public static TokenStreamEntry Read(IReadOnlyList<KeyValuePair<string, string>> fields, long sequence = 1)
    {
        var stored = fields.Prepend(TokenStreamEntry.SequenceField(sequence)).ToDictionary(f => f.Key, f => f.Value);
        return TokenStreamEntry.Decode(name => stored.GetValueOrDefault(name));
    }

    public static TokenStreamEntry Start(bool restarted = false) => Read(TokenStreamEntry.Start(restarted));

    public static TokenStreamEntry Token(string text) => Read(TokenStreamEntry.Token(text));
}
