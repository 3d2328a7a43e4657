using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TaskFlow.Web.Data;
using TaskFlow.Web.Localization;

namespace TaskFlow.Web.Extensions;

internal static class WebServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddTaskFlowRedisClient();
        // Web is the one service that creates Data Protection keys; ChatSocket and Telemetry only read them.
        builder.AddTaskFlowDataProtection();
        builder.AddTaskFlowDbContext<IdentityDb>(IdentityDb.Schema, options => options.UseSnakeCaseNamingConvention());

        builder.Services.AddIdentity<IdentityUser, IdentityRole>(options =>
            {
                // Length matters more than character classes (NIST SP 800-63B).
                options.Password.RequiredLength = 8;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.User.RequireUniqueEmail = true;
                // The user name is the email (validated as one): Identity's default character list would refuse o'brien@….
                options.User.AllowedUserNameCharacters = "";
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<IdentityDb>()
            .AddDefaultTokenProviders();
        builder.Services.ConfigureApplicationCookie(options =>
        {
            SharedSignInExtensions.ConfigureCookie(options);
            options.LoginPath = "/Account/Login";
            options.LogoutPath = "/Account/Logout";
            options.AccessDeniedPath = "/Account/Login";
        });
        // Signing out deletes the session, so a cookie copied before then opens nothing, here or in the other services.
        builder.Services.AddSharedSessions();

        builder.Services.AddTaskFlowLocalization();
        builder.Services.AddRazorPages(options =>
            {
                options.Conventions.AuthorizeFolder("/");
                options.Conventions.AllowAnonymousToFolder("/Account");
                // The sign-in pages have the language toggle too.
                options.Conventions.AllowAnonymousToPage("/Language");
            })
            .AddViewLocalization()
            // One resource for every form's field names and messages, not one per input model.
            .AddDataAnnotationsLocalization(options => options.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(PageText)));
    }
}
