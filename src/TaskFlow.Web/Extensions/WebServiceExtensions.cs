namespace TaskFlow.Web.Extensions;

internal static class WebServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages();
    }
}
