using TaskFlow.Contracts.Chat;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using TaskFlow.ChatSocket.Sockets.Protocol;
using TaskFlow.InferenceWorker.Generation;

namespace TaskFlow.UnitTests.Localization;

/// <summary>
/// The web pages' resources (src/TaskFlow.Web/Localization), read as files: a key missing from one language shows
/// as English in the Chinese page, and a key the code asks for but no resource has shows as the key itself. The
/// project copies the resources, pages and scripts next to the tests (TaskFlow.Web/ in the output folder).
/// </summary>
public sealed partial class TranslationTests
{
    private const string Chinese = "zh-Hans";

    private static readonly string WebFolder = Path.Combine(AppContext.BaseDirectory, "TaskFlow.Web");
    private static readonly string ResourceFolder = Path.Combine(WebFolder, "Localization");

    /// <summary>Every neutral (English) resource in the folder, so a new one cannot be forgotten here.</summary>
    public static TheoryData<string> Resources()
    {
        var names = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ResourceFolder, "*.resx").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!name.Contains('.', StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }
        return names;
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public void Chinese_and_English_have_the_same_keys(string resource)
    {
        var english = Read(resource);
        var chinese = Read($"{resource}.{Chinese}");

        Assert.True(english.Keys.Except(chinese.Keys).Order().ToList() is [], $"Not translated into Chinese: {Missing(english, chinese)}");
        Assert.True(chinese.Keys.Except(english.Keys).Order().ToList() is [], $"Only in Chinese: {Missing(chinese, english)}");
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public void Every_translation_keeps_the_placeholders_and_markup_of_the_English_text(string resource)
    {
        var english = Read(resource);
        var chinese = Read($"{resource}.{Chinese}");
        Assert.All(english.Keys.Intersect(chinese.Keys), key =>
        {
            Assert.False(string.IsNullOrWhiteSpace(chinese[key]), $"{key} is empty in Chinese");
            Assert.Equal(Tokens(english[key]), Tokens(chinese[key]));
        });
    }

    [Fact]
    public void Every_key_the_pages_and_scripts_use_has_a_text()
    {
        var pageText = Read("PageText").Keys.ToHashSet(StringComparer.Ordinal);
        var clientText = Read("ClientText").Keys.ToHashSet(StringComparer.Ordinal);

        var razor = Files("Pages", "*.cshtml").SelectMany(text => RazorKey().Matches(text)).ToList();
        var annotations = Files("Pages", "*.cs").SelectMany(text => AnnotationKey().Matches(text)).Select(m => m.Groups["key"].Value);
        var scripts = Files(Path.Combine("wwwroot", "js"), "*.js").SelectMany(text => ScriptKey().Matches(text)).ToList();

        Assert.NotEmpty(razor);
        Assert.NotEmpty(scripts);
        var unknownInRazor = razor
            .Where(m => !(m.Groups["localizer"].Value == "Client" ? clientText : pageText).Contains(m.Groups["key"].Value))
            .Select(m => m.Value)
            .ToList();
        var unknownInAnnotations = annotations.Except(pageText).ToList();
        // tn("key", n) picks key.one or key.other; every language has .other.
        var unknownInScripts = scripts
            .Select(m => m.Groups["plural"].Success ? m.Groups["key"].Value + ".other" : m.Groups["key"].Value)
            .Except(clientText)
            .ToList();
        Assert.Empty(unknownInRazor);
        Assert.Empty(unknownInAnnotations);
        Assert.Empty(unknownInScripts);
    }

    [Fact]
    public void Every_error_code_the_chat_can_receive_has_its_own_message()
    {
        var clientText = Read("ClientText");
        var codes = KnownErrorCodes();
        Assert.Contains("PERMISSION_DENIED", codes);
        var untranslated = codes.Except(clientText.Keys.Where(key => key.StartsWith("error.", StringComparison.Ordinal)).Select(key => key["error.".Length..])).ToList();
        Assert.Empty(untranslated);
    }

    /// <summary>The page names codes to choose a title or to know a message was refused; a code the server cannot send is a typo.</summary>
    [Fact]
    public void Every_error_code_the_page_names_is_one_the_server_sends()
    {
        var named = Files(Path.Combine("wwwroot", "js"), "*.js").SelectMany(text => ScriptErrorCode().Matches(text)).Select(m => m.Groups["code"].Value).ToHashSet();
        Assert.Contains(ErrorCodes.RateLimited, named);
        Assert.Empty(named.Except(KnownErrorCodes()));
    }

    private static List<string> KnownErrorCodes() =>
        [.. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)];

    /// <summary>A quoted upper-case code in a script ("RATE_LIMITED"), not a key such as "error.RATE_LIMITED".</summary>
    [GeneratedRegex(@"[""'](?<code>[A-Z]+(?:_[A-Z]+)+)[""']")]
    private static partial Regex ScriptErrorCode();

    private static Dictionary<string, string> Read(string name) =>
        XDocument.Load(Path.Combine(ResourceFolder, name + ".resx")).Root!.Elements("data")
            .ToDictionary(data => (string)data.Attribute("name")!, data => (string?)data.Element("value") ?? "", StringComparer.Ordinal);

    private static string Missing(Dictionary<string, string> from, Dictionary<string, string> other) =>
        string.Join(", ", from.Keys.Except(other.Keys).Order(StringComparer.Ordinal));

    private static IEnumerable<string> Files(string folder, string pattern) =>
        Directory.EnumerateFiles(Path.Combine(WebFolder, folder), pattern, SearchOption.AllDirectories).Select(File.ReadAllText);

    /// <summary>{0}, {name} and tags, sorted: a translation may put them elsewhere in its sentence, but needs them all.</summary>
    private static string[] Tokens(string text) => [.. Token().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\w+\}|</?\w+>")]
    private static partial Regex Token();

    [GeneratedRegex(@"(?<![\w.])@?(?<localizer>L|H|Client)\[""(?<key>[^""]+)""")]
    private static partial Regex RazorKey();

    [GeneratedRegex(@"(ErrorMessage|Name) = ""(?<key>(Field|Validation)\.[\w.]+)""|text\[""(?<key>[^""]+)""\]")]
    private static partial Regex AnnotationKey();

    [GeneratedRegex(@"\b(t|(?<plural>tn))\(""(?<key>[\w.]+)""")]
    private static partial Regex ScriptKey();
}
