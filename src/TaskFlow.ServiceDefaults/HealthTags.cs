using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// <c>live</c> checks answer <c>/alive</c> (the process is up); <c>ready</c> marks a dependency's check. <c>/health</c>
/// runs every check, so a check registered untagged by an Aspire client integration counts there all the same.
/// </summary>
public static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";

    /// <summary>Tags a check that a library registered under <paramref name="name"/> without the tags TaskFlow uses.</summary>
    public static IServiceCollection TagHealthCheck(this IServiceCollection services, string name, string tag) =>
        services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(registration => registration.Name == name))
            {
                registration.Tags.Add(tag);
            }
        });
}
