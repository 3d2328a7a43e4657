using System.ComponentModel.DataAnnotations;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>The seed's idle and typing behaviour; its timings are the defaults.</summary>
public sealed class EngagementOptions
{
    public const string SectionName = "Chat:Engagement";

    /// <summary>Silence after an answer before the AI checks in (phase 1).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan IdleNudgeAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Further silence after the nudge before the conversation is marked completed (phase 2).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan IdleEndAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Typing this long without sending earns an encouraging note.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan TypingNudgeAfter { get; set; } = TimeSpan.FromSeconds(30);

    [Required]
    public string IdleNudgeMessage { get; set; } = "Still there? Take your time, I'm here whenever you want to continue.";

    [Required]
    public string TypingNudgeMessage { get; set; } = "Take your time — I'm here.";
}
