using System.Text.RegularExpressions;

namespace TaskFlow.Benchmark;

/// <summary>
/// The account pages of TaskFlow.Web as a new browser fills them: the page is fetched for its antiforgery token, then
/// its form is posted with that token. The benchmark's users sign up this way, and so do the system tests' users.
/// </summary>
public static partial class AccountForms
{
    public const string Register = "/Account/Register";
    public const string Login = "/Account/Login";
    public const string Logout = "/Account/Logout";

    /// <summary>The fields of the sign-up form.</summary>
    public static Dictionary<string, string> SignUp(string email, string password) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = password,
    };

    /// <summary>The fields of the sign-in form.</summary>
    public static Dictionary<string, string> SignIn(string email, string password) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
    };

    /// <summary>
    /// Posts <paramref name="fields"/> to <paramref name="page"/> with the antiforgery token of the page at
    /// <paramref name="tokenFrom"/> (the page itself unless given: the sign-out form is on the chat page). A redirect is
    /// what success looks like, so <paramref name="http"/> should not follow redirects.
    /// </summary>
    public static async Task<HttpResponseMessage> SubmitAsync(
        HttpClient http, string page, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken, string? tokenFrom = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var source = tokenFrom ?? page;
        var token = AntiforgeryToken().Match(await http.GetStringAsync(new Uri(source, UriKind.Relative), cancellationToken));
        if (!token.Success)
        {
            throw new InvalidOperationException($"{http.BaseAddress}{source.TrimStart('/')} has no form token: is this a TaskFlow gateway?");
        }
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token.Groups[1].Value };
        return await http.PostAsync(new Uri(page, UriKind.Relative), new FormUrlEncodedContent(form), cancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
