using System.Text.RegularExpressions;

namespace TaskFlow.UnitTests.Chat;

/// <summary>
/// The layout's import map gives each page module a versioned address, so a browser never mixes a cached module with
/// a newer page script. A module some script imports but the map leaves out would still load, without that guarantee.
/// </summary>
public sealed partial class ImportMapTests
{
    private static readonly string WebFolder = Path.Combine(AppContext.BaseDirectory, "TaskFlow.Web");

    [Fact]
    public void Every_module_a_page_script_imports_is_in_the_import_map()
    {
        var layout = File.ReadAllText(Path.Combine(WebFolder, "Pages", "Shared", "_Layout.cshtml"));
        var mapped = MappedModule().Matches(layout).Select(m => m.Groups["path"].Value).ToHashSet(StringComparer.Ordinal);

        var scripts = Path.Combine(WebFolder, "wwwroot", "js");
        var imported = Directory.EnumerateFiles(scripts, "*.js", SearchOption.AllDirectories)
            .SelectMany(file => ImportedModule().Matches(File.ReadAllText(file))
                .Select(m => Path.GetRelativePath(Path.Combine(WebFolder, "wwwroot"), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, m.Groups["path"].Value))).Replace('\\', '/')))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("js/chat/markdown.js", imported);
        Assert.Empty(imported.Except(mapped));
    }

    [GeneratedRegex("\"~/(?<path>js/[^\"]+\\.js)\"")]
    private static partial Regex MappedModule();

    [GeneratedRegex("^import .* from \"(?<path>\\.{1,2}/[^\"]+\\.js)\";", RegexOptions.Multiline)]
    private static partial Regex ImportedModule();
}
