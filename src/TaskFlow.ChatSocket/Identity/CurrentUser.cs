using System.Security.Claims;

namespace TaskFlow.ChatSocket.Identity;

public static class CurrentUser
{
    /// <summary>The signed-in user's id. Every endpoint that calls this requires an authenticated user.</summary>
    public static string IdOf(HttpContext context) =>
        context.User.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new InvalidOperationException("No signed-in user: the endpoint must require authorization.");
}
