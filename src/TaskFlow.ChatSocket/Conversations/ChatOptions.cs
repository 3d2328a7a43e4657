using System.ComponentModel.DataAnnotations;

namespace TaskFlow.ChatSocket.Conversations;

public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    [Required]
    public string SystemPrompt { get; set; } =
        "You are TaskFlow, a helpful assistant. Answer clearly and concisely. Use Markdown when it helps.";

    /// <summary>Messages of history sent with each prompt.</summary>
    [Range(1, 500)]
    public int ContextMessages { get; set; } = 20;

    /// <summary>Longest user message accepted, in characters.</summary>
    [Range(1, 200_000)]
    public int MaxMessageChars { get; set; } = 16_000;

    /// <summary>Largest WebSocket message accepted, in bytes; larger ones are refused with an error and discarded.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 128 * 1024;

    /// <summary>Client events allowed per connection per <see cref="FloodWindow"/>.</summary>
    [Range(1, 10_000)]
    public int FloodLimit { get; set; } = 30;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FloodWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Origins allowed besides the gateway's own host (e.g. a separately hosted page).</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
