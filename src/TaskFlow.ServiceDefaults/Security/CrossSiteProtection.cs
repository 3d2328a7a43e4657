using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Settings under <c>Security</c>.</summary>
public sealed class SecurityOptions : IValidatableObject
{
    public const string SectionName = "Security";

    /// <summary>Origins besides the site's own whose pages may use the sign-in cookie (a separately hosted page), e.g. <c>https://chat.example.com</c>.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        AllowedOrigins
            .Where(origin => !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
            .Select(origin => new ValidationResult(
                $"Security:AllowedOrigins has '{origin}': write an origin, scheme, host and port only, e.g. https://chat.example.com:8443.",
                [nameof(AllowedOrigins)]));
}

/// <summary>
/// Cookie-authenticated writes only from the site's own pages. SameSite=Lax already keeps the cookie off cross-site
/// POSTs from other domains, but not from a sibling subdomain or an older browser; the Origin check closes that, as
/// the socket's handshake check does (one rule for both: <see cref="SiteOrigin"/>).
/// </summary>
public static class CrossSiteProtection
{
    public static IServiceCollection AddCrossSiteProtection(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Refuses a POST, PUT, PATCH or DELETE that carries the sign-in cookie and comes from another site with 403 problem
    /// details. Calls without the cookie (API keys, <c>/v1</c> clients, signing in) are not affected.
    /// </summary>
    public static IApplicationBuilder UseCrossSiteProtection(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method)
                || !request.Cookies.ContainsKey(SharedSignInExtensions.CookieName)
                || !SiteOrigin.IsCrossSite(request, context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.AllowedOrigins))
            {
                await next(context);
                return;
            }
            await Results.Problem(
                    "This request came from another site, so it was refused: use TaskFlow from its own page. " +
                    "A page hosted elsewhere needs its origin in Security:AllowedOrigins.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused")
                .ExecuteAsync(context);
        });
}
