using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How many PostgreSQL connections one service process may hold. Npgsql's own default, 100 per process, is the whole
/// of PostgreSQL's default <c>max_connections</c>: under load the services together asked for more than the server
/// takes, every refused connection (53300, after its password exchange) was retried, and ChatSocket spent its time
/// opening connections instead of answering. Measured: 7,237 connections opened in one 100-chat benchmark run, 0.75 s
/// each. With a budget per process the excess waits in the pool for a connection that is returned within milliseconds.
/// A connection string that names its own maximum keeps it; otherwise <c>Database:MaxPoolSize</c> (20) applies.
/// </summary>
public static class PostgresPoolSize
{
    public const string Key = "Database:MaxPoolSize";
    public const int Default = 20;

    public static string WithMaximum(string connectionString, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Npgsql's names for it: "Maximum Pool Size" and "MaxPoolSize", in any case.
        if (Names(connectionString, "MaximumPoolSize", "MaxPoolSize"))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = Maximum(configuration) }.ConnectionString;
    }

    /// <summary>Whether the connection string sets one of <paramref name="keys"/> (spaces and case aside).</summary>
    internal static bool Names(string connectionString, params string[] keys) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal))
            .Any(name => keys.Contains(name, StringComparer.OrdinalIgnoreCase));

    private static int Maximum(IConfiguration configuration)
    {
        var raw = configuration[Key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return Default;
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 1000
            ? size
            : throw new InvalidOperationException(
                $"{Key} is '{raw}': set Database__MaxPoolSize to the PostgreSQL connections one process may hold (1-1000; replicas × this must stay under the server's max_connections).");
    }
}
