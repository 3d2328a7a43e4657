using System.Text.Json;
using System.Text.Unicode;

namespace TaskFlow.ChatSocket.Sockets.Protocol;

/// <summary>A parsed client event; unknown fields are ignored, missing or mistyped ones are a clear error.</summary>
public sealed record ClientEvent(string Type, string? Text, string? Priority)
{
    public const string UserMessage = "user_message";
    public const string Cancel = "cancel";
    public const string UserTyping = "user_typing";
    public const string UserStoppedTyping = "user_stopped_typing";
    public const string GenerateQuestion = "generate_question";
    public const string Regenerate = "regenerate";

    private static readonly string[] Known = [UserMessage, Cancel, Regenerate, UserTyping, UserStoppedTyping, GenerateQuestion];

    /// <summary>What the client is told about an event of a type this server does not know (its type cut at 40 characters).</summary>
    public string UnknownTypeError() =>
        $"Unknown event type '{(Type.Length <= 40 ? Type : Type[..40] + "…")}'. Known: {string.Join(", ", Known)}.";

    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out ClientEvent? parsed, out string? error)
    {
        parsed = null;
        if (!Utf8.IsValid(utf8Json))
        {
            error = "That message is not valid UTF-8 text. Send a JSON object encoded as UTF-8, as WebSocket text frames require.";
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                error = "Every message must be a JSON object with a string \"type\", e.g. {\"type\":\"user_message\",\"text\":\"Hello\"}.";
                return false;
            }
            if (!TryOptionalString(root, "text", out var text, out error) || !TryOptionalString(root, "priority", out var priority, out error))
            {
                return false;
            }
            parsed = new ClientEvent(type.GetString() ?? "", text, priority);
            return true;
        }
        catch (JsonException)
        {
            error = "That message is not valid JSON. Send a JSON object such as {\"type\":\"user_message\",\"text\":\"Hello\"}.";
            return false;
        }
        catch (InvalidOperationException)
        {
            // Only GetString of "type" gets here: an escape such as "\ud800" that is half a character.
            error = "\"type\" is not valid Unicode (it contains half of a character); send one of the known event types.";
            return false;
        }
    }

    private static bool TryOptionalString(JsonElement root, string name, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"\"{name}\" must be a string, not {Describe(element.ValueKind)}.";
            return false;
        }
        try
        {
            value = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            // JSON can spell a lone UTF-16 surrogate ("\ud83d" without its pair); no Unicode text contains one.
            error = $"\"{name}\" contains half of a character (an unpaired surrogate escape such as \\ud83d without the \\ude00 that completes it): it is not valid Unicode. Send whole characters.";
            return false;
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };
}
