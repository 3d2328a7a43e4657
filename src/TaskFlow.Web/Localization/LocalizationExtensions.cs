using Microsoft.AspNetCore.Localization;

namespace TaskFlow.Web.Localization;

internal static class LocalizationExtensions
{
    /// <summary>
    /// English unless the person chose otherwise (the culture cookie the language toggle writes) or their browser
    /// asks for Chinese. No query-string provider: a shared link should not switch the reader's language.
    /// </summary>
    public static void AddTaskFlowLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        services.AddSingleton<ClientTextCatalog>();
        services.Configure<RequestLocalizationOptions>(options =>
        {
            options.SetDefaultCulture(SupportedCultures.Default)
                .AddSupportedCultures(SupportedCultures.Names)
                .AddSupportedUICultures(SupportedCultures.Names);
            options.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
            options.ApplyCurrentCultureToResponseHeaders = true;
        });
    }

    public static CookieOptions CultureCookieOptions(HttpRequest request) => new()
    {
        Expires = DateTimeOffset.UtcNow.AddYears(1),
        // A preference, not tracking: it is written only when the person presses the toggle.
        IsEssential = true,
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = request.IsHttps,
    };
}
