using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// One sign-in for the whole site. Web issues the Identity cookie; every service behind the gateway can read it
/// because they share the Data Protection key ring (in Redis) and the application name, and use the same scheme
/// and cookie name. The cookie holds only a session key; the session itself is in Redis (<see cref="RedisSessionStore"/>),
/// so signing out ends it everywhere.
/// </summary>
public static class SharedSignInExtensions
{
    public const string ApplicationName = "TaskFlow";
    public const string CookieName = ".TaskFlow.Auth";
    public const string KeyRingRedisKey = "taskflow:dataprotection-keys";

    /// <summary>The scheme Identity signs in with; the other services authenticate with the same name.</summary>
    public static string Scheme => IdentityConstants.ApplicationScheme;

    /// <summary>
    /// Keys in Redis (needs <c>AddTaskFlowRedisClient()</c>) so every replica of every service can read every cookie. Keys are
    /// stored unencrypted: Redis is internal to the deployment and holds nothing a reader of the other data lacks.
    /// </summary>
    public static IDataProtectionBuilder AddTaskFlowDataProtection(this IHostApplicationBuilder builder)
    {
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingRedisKey));
        return dataProtection;
    }

    /// <summary>
    /// Sessions kept in Redis (needs <c>AddTaskFlowRedisClient()</c>) for the sign-in cookie: Web stores and ends them, the other
    /// services look them up, so a signed-out cookie is refused by all of them.
    /// </summary>
    public static IServiceCollection AddSharedSessions(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisSessionStore>();
        services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<RedisSessionStore>((options, store) => options.SessionStore = store);
        return services;
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
        // Only Web creates keys. Services starting together on an empty ring would otherwise each create their own and
        // cache a ring without Web's key: after Data Protection's 2-minute refresh window every cookie would fail here
        // until the next daily refresh. Without keys of its own a reader keeps re-reading Redis until Web's key is there.
        builder.AddTaskFlowDataProtection().DisableAutomaticKeyGeneration();
        builder.Services.AddAuthentication(Scheme)
            .AddCookie(Scheme, options =>
            {
                ConfigureCookie(options);
                // Renewing would mean issuing cookies: that stays Web's job (the page renews it on every visit).
                options.SlidingExpiration = false;
                options.Events.OnRedirectToLogin = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                    "Sign in required", "Sign in first: open the TaskFlow page and sign in, then try again.");
                options.Events.OnRedirectToAccessDenied = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden,
                    "Forbidden", "You are signed in but not allowed to do this.");
            });
        builder.Services.AddSharedSessions();
        builder.Services.AddAuthorization();
        return builder;
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);
}
