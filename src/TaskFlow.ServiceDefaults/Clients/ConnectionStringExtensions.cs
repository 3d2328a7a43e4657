using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

public static class ConnectionStringExtensions
{
    /// <summary>Reads <c>ConnectionStrings:{name}</c> and says which environment variable to set when it is missing.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Connection string '{name}' is not configured. Set the environment variable ConnectionStrings__{name} " +
                "(the AppHost and the local runner do this; see docs/configuration.md).");
}
