using System.Text.Json;

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

    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out ClientEvent? parsed, out string? error)
    {
        parsed = null;
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                error = "Every message must be a JSON object with a string \"type\", e.g. {\"type\":\"user_message\",\"text\":\"Hello\"}.";
                return false;
            }
            parsed = new ClientEvent(type.GetString()!, OptionalString(root, "text"), OptionalString(root, "priority"));
            error = null;
            return true;
        }
        catch (JsonException)
        {
            error = "That message is not valid JSON. Send a JSON object such as {\"type\":\"user_message\",\"text\":\"Hello\"}.";
            return false;
        }
        catch (InvalidOperationException)
        {
            error = "\"text\" and \"priority\" must be strings.";
            return false;
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;
}
