using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using TaskFlow.Web.Localization;

namespace TaskFlow.Web.Pages.Account;

public sealed class RegisterModel(UserManager<IdentityUser> users, SignInManager<IdentityUser> signIn, IStringLocalizer<PageText> text) : PageModel
{
    [BindProperty]
    public RegisterInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = new IdentityUser { UserName = Input.Email, Email = Input.Email };
        var result = await users.CreateAsync(user, Input.Password);
        if (!result.Succeeded)
        {
            foreach (var message in Messages(result.Errors))
            {
                ModelState.AddModelError(string.Empty, message);
            }
            return Page();
        }
        await signIn.SignInAsync(user, isPersistent: true);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }

    /// <summary>The user name is the email, so a taken address fails twice (user name and email): say it once, plainly.</summary>
    private IEnumerable<string> Messages(IEnumerable<IdentityError> errors) =>
        errors.Select(error => error.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail)
                ? text["Register.Duplicate"]
                : error.Description)
            .Distinct();
}

/// <summary>Names and messages are PageText keys (DataAnnotations localization).</summary>
public sealed class RegisterInput
{
    [Required(ErrorMessage = "Validation.Required"), EmailAddress(ErrorMessage = "Validation.Email")]
    [StringLength(256, ErrorMessage = "Validation.MaxLength")]
    [Display(Name = "Field.Email")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Validation.Required")]
    [StringLength(200, MinimumLength = 8, ErrorMessage = "Validation.PasswordLength")]
    [DataType(DataType.Password)]
    [Display(Name = "Field.Password")]
    public string Password { get; set; } = "";

    [Required(ErrorMessage = "Validation.Required"), Compare(nameof(Password), ErrorMessage = "Validation.PasswordsDiffer")]
    [DataType(DataType.Password)]
    [Display(Name = "Field.ConfirmPassword")]
    public string ConfirmPassword { get; set; } = "";
}
