using Microsoft.AspNetCore.Mvc.RazorPages;

namespace TaskFlow.Web.Pages;

/// <summary>The page is static; it manages keys through ChatSocket's <c>/api/keys</c> with the signed-in user's cookie.</summary>
public sealed class SettingsModel : PageModel
{
    public void OnGet()
    {
    }
}
