using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Localization;

namespace TaskFlow.Web.Localization;

/// <summary>
/// The scripts' texts in the request's UI culture as one JSON object (keys missing from a translation fall back to
/// English), built once per culture: resources do not change while the app runs.
/// </summary>
public sealed class ClientTextCatalog(IStringLocalizer<ClientText> texts)
{
    // Chinese stays readable in the page source; the encoder still escapes <, > and &, so the JSON cannot end its script element.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    private readonly ConcurrentDictionary<string, string> _byCulture = new();

    /// <summary>For <see cref="CultureInfo.CurrentUICulture"/>, the culture the localizer reads.</summary>
    public string ForCurrentCulture() => _byCulture.GetOrAdd(CultureInfo.CurrentUICulture.Name, _ => JsonSerializer.Serialize(
        new SortedDictionary<string, string>(
            texts.GetAllStrings(includeParentCultures: true).ToDictionary(text => text.Name, text => text.Value),
            StringComparer.Ordinal),
        Options));
}
