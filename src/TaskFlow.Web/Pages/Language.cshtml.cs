using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TaskFlow.Web.Localization;

namespace TaskFlow.Web.Pages;

/// <summary>
/// The language toggle posts here: the choice goes into ASP.NET Core's culture cookie, read on every later request,
/// and the person lands back on the page they were on. POST with the antiforgery token, like signing out.
/// </summary>
public sealed class LanguageModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public IActionResult OnPost(string? culture, string? returnUrl)
    {
        if (!SupportedCultures.IsSupported(culture))
        {
            return BadRequest();
        }
        Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture!)),
            LocalizationExtensions.CultureCookieOptions(Request));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }
}
