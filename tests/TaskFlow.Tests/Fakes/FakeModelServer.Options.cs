using System.Text.Json.Nodes;

namespace TaskFlow.Tests.Fakes;

/// <summary>
/// The generation options the fake honours as a real model server does: a token limit (Ollama's
/// <c>options.num_predict</c>, OpenAI's <c>max_completion_tokens</c> or <c>max_tokens</c>) cuts the reply and makes it
/// end with "length"; stop sequences (<c>options.stop</c>, <c>stop</c>) end it before the first one. The other options
/// (temperature, top_p, seed, format…) change nothing here, but every request body is recorded (<see cref="Requests"/>),
/// so a test can check that they reached the model.
/// </summary>
public sealed partial class FakeModelServer
{
    /// <summary>The last request that carried exactly this last user message.</summary>
    public ModelRequest? LastRequestFor(string userMessage) =>
        _requests.LastOrDefault(request => request.LastUserMessage == userMessage);

    /// <summary>What the fake streams for this request: the reply, cut by the request's limit and stop sequences.</summary>
    private static (IReadOnlyList<string> Tokens, string FinishReason) Generate(IReadOnlyList<string> reply, JsonObject body, bool ollama)
    {
        var settings = ollama ? body["options"] as JsonObject : body;
        var limit = ollama
            ? (int?)settings?["num_predict"]
            : (int?)settings?["max_completion_tokens"] ?? (int?)settings?["max_tokens"];
        var stops = settings?["stop"] switch
        {
            JsonArray array => array.Select(item => (string?)item).OfType<string>().ToList(),
            JsonValue value when value.TryGetValue<string>(out var one) => [one],
            _ => [],
        };

        var text = string.Concat(reply);
        var end = stops.Where(stop => stop.Length > 0).Select(stop => text.IndexOf(stop, StringComparison.Ordinal))
            .Where(index => index >= 0).DefaultIfEmpty(text.Length).Min();
        var tokens = new List<string>();
        var length = 0;
        foreach (var token in reply)
        {
            if (length >= end)
            {
                break;
            }
            tokens.Add(token.Length <= end - length ? token : token[..(end - length)]);
            length += token.Length;
        }
        // Ollama's num_predict -1 (or below) means "no limit".
        return limit is > 0 && tokens.Count > limit
            ? (tokens[..limit.Value], "length")
            : (tokens, "stop");
    }
}
