using Microsoft.AspNetCore.Authentication;
using TaskFlow.ChatSocket.ApiKeys;
using TaskFlow.ChatSocket.OpenAi;

namespace TaskFlow.ChatSocket.Extensions;

internal static class AuthenticationExtensions
{
    /// <summary>
    /// Who is calling: the site's sign-in cookie (issued by Web) for the page's API calls and the socket — the default,
    /// so plain <c>RequireAuthorization()</c> means "signed in", answered with 401 and never a redirect — and personal
    /// API keys for OpenAI-compatible clients, only where the <see cref="ChatCompletionsApi.Policy"/> asks for them.
    /// </summary>
    public static IHostApplicationBuilder AddChatSocketAuthentication(this IHostApplicationBuilder builder)
    {
        builder.AddSharedSignIn();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(options => options.AddChatCompletionsAuthorization());
        return builder;
    }
}
