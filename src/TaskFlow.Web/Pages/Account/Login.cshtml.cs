using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using TaskFlow.Web.Localization;

namespace TaskFlow.Web.Pages.Account;

public sealed class LoginModel(SignInManager<IdentityUser> signIn, IStringLocalizer<PageText> text) : PageModel
{
    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(Input.Email, Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
        }
        // One message for unknown email and wrong password, so the form does not reveal who has an account.
        ModelState.AddModelError(string.Empty, result.IsLockedOut
            ? text["Login.LockedOut"]
            : text["Login.Failed"]);
        return Page();
    }
}

/// <summary>Names and messages are PageText keys (DataAnnotations localization).</summary>
public sealed class LoginInput
{
    [Required(ErrorMessage = "Validation.Required"), EmailAddress(ErrorMessage = "Validation.Email")]
    [Display(Name = "Field.Email")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Validation.Required")]
    [DataType(DataType.Password)]
    [Display(Name = "Field.Password")]
    public string Password { get; set; } = "";

    [Display(Name = "Field.RememberMe")]
    public bool RememberMe { get; set; } = true;
}
