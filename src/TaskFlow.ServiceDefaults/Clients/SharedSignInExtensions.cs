using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// One sign-in for the whole site. Web issues the Identity cookie; every service behind the gateway can read it
/// because they share the Data Protection key ring (in Redis) and the application name, and use the same scheme
/// and cookie name.
/// </summary>
public static class SharedSignInExtensions
{
    public const string ApplicationName = "TaskFlow";
    public const string CookieName = ".TaskFlow.Auth";
    public const string KeyRingRedisKey = "taskflow:dataprotection-keys";

    /// <summary>The scheme Identity signs in with; the other services authenticate with the same name.</summary>
    public static string Scheme => IdentityConstants.ApplicationScheme;

    /// <summary>Keys in Redis (needs <c>AddRedisClient()</c>) so every replica of every service can read every cookie.</summary>
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingRedisKey));
        return builder;
    }

    /// <summary>The cookie settings Web's Identity uses; applied there and by <see cref="AddSharedSignIn"/>.</summary>
    public static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.SlidingExpiration = true;
        options.ExpireTimeSpan = TimeSpan.FromDays(14);
    }

    /// <summary>
    /// For APIs behind the gateway: read Web's cookie; an anonymous call gets 401 (and a forbidden one 403) with a JSON
    /// problem instead of a redirect to a login page an API client cannot use.
    /// </summary>
    public static IHostApplicationBuilder AddSharedSignIn(this IHostApplicationBuilder builder)
    {
        builder.AddSharedDataProtection();
        builder.Services.AddAuthentication(Scheme)
            .AddCookie(Scheme, options =>
            {
                ConfigureCookie(options);
                options.Events.OnRedirectToLogin = context => WriteProblemAsync(context.Response, StatusCodes.Status401Unauthorized,
                    "Sign in first: open the TaskFlow page and sign in, then try again.");
                options.Events.OnRedirectToAccessDenied = context => WriteProblemAsync(context.Response, StatusCodes.Status403Forbidden,
                    "You are signed in but not allowed to do this.");
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    private static Task WriteProblemAsync(HttpResponse response, int status, string detail)
    {
        response.StatusCode = status;
        return response.WriteAsJsonAsync(new { success = false, error = detail });
    }
}
