using System.Security.Claims;

namespace TaskFlow.ChatSocket.Identity;

public static class CurrentUser
{
    /// <summary>Until sign-in lands, every visitor shares this identity.</summary>
    public const string Anonymous = "anonymous";

    public static string IdOf(HttpContext context) =>
        context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? Anonymous;
}
