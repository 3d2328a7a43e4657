using System.Text.Json.Nodes;

namespace TaskFlow.Tests.Fakes;

/// <summary>One chat request the fake model server received: where it went, the credentials it carried, and its body.</summary>
public sealed record ModelRequest(string Path, string? Authorization, JsonObject Body)
{
    public string? Model => (string?)Body["model"];

    public string LastUserMessage =>
        Body["messages"]?.AsArray().LastOrDefault(message => (string?)message?["role"] == "user") is { } user ? TextOf(user["content"]) : "";

    /// <summary>All the text the messages carry, as a model would read it.</summary>
    public string PromptText =>
        string.Join("\n", Body["messages"]?.AsArray().Select(message => TextOf(message?["content"])) ?? []);

    /// <summary>
    /// A message's text. OpenAI allows <c>content</c> as a string or as an array of parts (<c>{"type":"text","text":…}</c>),
    /// and clients choose either, so both are read.
    /// </summary>
    private static string TextOf(JsonNode? content) => content switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Concat(parts.Select(part => (string?)part?["text"])),
        _ => "",
    };
}
