using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

public static class ConnectionStringExtensions
{
    /// <summary>Reads <c>ConnectionStrings:{name}</c> and says which environment variable to set when it is missing.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value ? value : throw Missing(name);

    /// <summary>The start-up error for a connection string that is not configured, naming the variable to set.</summary>
    public static InvalidOperationException Missing(string name) => new(
        $"Connection string '{name}' is not configured. Set the environment variable ConnectionStrings__{name} " +
        "(the AppHost does this; see docs/configuration.md).");
}
