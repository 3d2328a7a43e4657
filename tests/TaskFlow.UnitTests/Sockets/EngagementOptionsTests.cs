using System.ComponentModel.DataAnnotations;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Sockets;

namespace TaskFlow.UnitTests.Sockets;

public sealed class EngagementOptionsTests
{
    [Theory]
    [InlineData("en", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("zh-Hans", "zh-Hans")]
    [InlineData("zh-Hans-CN", "zh-Hans")]
    [InlineData("ZH-cn", "zh-Hans")]
    [InlineData("zh", "zh-Hans")]
    [InlineData("fr", "en")]
    [InlineData(null, "en")]
    public void A_language_falls_back_to_its_base_then_to_the_default(string? asked, string expected)
    {
        var options = new EngagementOptions();

        Assert.Same(options.Texts[expected], options.TextsFor(asked));
    }

    [Fact]
    public void A_configured_language_is_added_to_the_built_in_ones()
    {
        var options = new EngagementOptions();
        options.Texts["fr"] = new NudgeTexts { IdleNudge = "Toujours là ?", TypingNudge = "Prenez votre temps." };

        Assert.Equal("Toujours là ?", options.TextsFor("fr-CA").IdleNudge);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void A_language_missing_a_text_or_a_missing_default_is_refused()
    {
        var options = new EngagementOptions { DefaultLanguage = "de" };
        options.Texts["fr"] = new NudgeTexts { IdleNudge = "Toujours là ?" };

        var errors = Validate(options).Select(error => error.ErrorMessage).ToList();

        Assert.Contains(errors, error => error!.Contains("DefaultLanguage 'de'", StringComparison.Ordinal));
        Assert.Contains(errors, error => error!.Contains("Texts:fr needs both", StringComparison.Ordinal));
    }

    [Fact]
    public void Words_keep_their_spaces_and_ideographs_come_one_at_a_time()
    {
        Assert.Equal(["Take", " your", " time", " —", " I'm", " here."], NudgeWords.Split("Take your time — I'm here."));
        Assert.Equal(["慢", "慢", "来", "，", "我", "在", "这", "儿", "。"], NudgeWords.Split("慢慢来，我在这儿。"));
        foreach (var texts in new EngagementOptions().Texts.Values)
        {
            Assert.Equal(texts.IdleNudge, string.Concat(NudgeWords.Split(texts.IdleNudge)));
        }
    }

    private static List<ValidationResult> Validate(EngagementOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
