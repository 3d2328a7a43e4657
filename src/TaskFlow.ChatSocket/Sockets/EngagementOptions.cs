using System.ComponentModel.DataAnnotations;
using TaskFlow.ChatSocket.Generations;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>The seed's idle and typing behaviour; its timings are the defaults.</summary>
public sealed class EngagementOptions : IValidatableObject
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

    /// <summary>
    /// A socket opened for a new conversation (no <c>conversationId</c>) is greeted, streamed like an answer but not
    /// stored, as the TaskFlow AI seed does. Off: no greeting for anyone; a client can also decline with <c>greeting=false</c>.
    /// </summary>
    public bool GreetNewConversations { get; set; } = true;

    /// <summary>
    /// What the nudges and the greeting say, by the language the client asked for (<c>/ws?lang=…</c>, else its Accept-Language), falling
    /// back to the base language (<c>zh</c> for <c>zh-Hans-CN</c>) and then to <see cref="DefaultLanguage"/>. Another
    /// language is one more entry: <c>Chat__Engagement__Texts__fr__IdleNudge</c>.
    /// </summary>
    public Dictionary<string, NudgeTexts> Texts { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["en"] = new()
        {
            IdleNudge = "Still there? Take your time, I'm here whenever you want to continue.",
            TypingNudge = "Take your time — I'm here.",
            Greeting = "Hi, I'm TaskFlow. Ask me anything: your message joins the queue and my answer streams in as it is written.",
        },
        ["zh-Hans"] = new()
        {
            IdleNudge = "还在吗？不着急，想继续的时候我随时都在。",
            TypingNudge = "慢慢来，我在这儿。",
            Greeting = "你好，我是 TaskFlow。想问什么都可以：你的消息会进入队列，回答会边生成边显示。",
        },
    };

    [Required]
    public string DefaultLanguage { get; set; } = "en";

    public NudgeTexts TextsFor(string? language)
    {
        var tag = language is { } asked && SimplifiedChineseRegions.Contains(asked) ? "zh-Hans" : language;
        while (!string.IsNullOrEmpty(tag))
        {
            if (Texts.TryGetValue(tag, out var texts))
            {
                return texts;
            }
            var cut = tag.LastIndexOf('-');
            tag = cut > 0 ? tag[..cut] : null;
        }
        return Texts[DefaultLanguage];
    }

    /// <summary>Every language has both texts and the default language exists, so a nudge can never come out blank.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Texts.ContainsKey(DefaultLanguage))
        {
            yield return new ValidationResult(
                $"{SectionName}:Texts has no entry for DefaultLanguage '{DefaultLanguage}'; add its IdleNudge and TypingNudge.", [nameof(DefaultLanguage)]);
        }
        foreach (var (language, texts) in Texts)
        {
            if (string.IsNullOrWhiteSpace(texts.IdleNudge) || string.IsNullOrWhiteSpace(texts.TypingNudge))
            {
                yield return new ValidationResult($"{SectionName}:Texts:{language} needs both IdleNudge and TypingNudge.", [nameof(Texts)]);
            }
        }
    }

    // Browsers send these without the script subtag; they mean simplified characters, as the Web's zh-Hans does.
    private static readonly HashSet<string> SimplifiedChineseRegions = new(["zh", "zh-CN", "zh-SG"], StringComparer.OrdinalIgnoreCase);
}

public sealed class NudgeTexts
{
    /// <summary>The idle check-in (phase 1), streamed word by word like an answer.</summary>
    public string IdleNudge { get; set; } = "";

    /// <summary>The note after a long typing spell.</summary>
    public string TypingNudge { get; set; } = "";

    /// <summary>The greeting of a new conversation; empty: none in this language.</summary>
    public string Greeting { get; set; } = "";
}
