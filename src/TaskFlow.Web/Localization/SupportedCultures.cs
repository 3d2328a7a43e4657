using System.Globalization;

namespace TaskFlow.Web.Localization;

/// <summary>The interface languages, each named in its own language (the toggle offers the one not in use).</summary>
public static class SupportedCultures
{
    public const string Default = "en";

    /// <summary>Simplified Chinese; zh-CN and zh-SG reach it as their parent culture.</summary>
    public const string Chinese = "zh-Hans";

    public static IReadOnlyList<InterfaceLanguage> All { get; } =
    [
        new(Default, "English"),
        new(Chinese, "中文"),
    ];

    public static string[] Names { get; } = [.. All.Select(language => language.Culture)];

    public static bool IsSupported(string? culture) => All.Any(language => language.Culture == culture);

    /// <summary>The language the toggle switches to from <paramref name="current"/> (zh-CN counts as Chinese).</summary>
    public static InterfaceLanguage Other(CultureInfo current) =>
        All.First(language => !IsWithin(current, language.Culture));

    private static bool IsWithin(CultureInfo culture, string name)
    {
        for (var c = culture; !Equals(c, CultureInfo.InvariantCulture); c = c.Parent)
        {
            if (c.Name == name)
            {
                return true;
            }
        }
        return false;
    }
}

public sealed record InterfaceLanguage(string Culture, string NativeName);
