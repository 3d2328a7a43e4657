using Microsoft.AspNetCore.Mvc.RazorPages;

namespace TaskFlow.Web.Pages;

public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}
