using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every service sets on its PostgreSQL connection string, unless the operator's string names it already:
/// <list type="bullet">
/// <item><c>Database:MaxPoolSize</c> (20): how many connections one process may hold. Npgsql's own default, 100 per
/// process, is the whole of PostgreSQL's default <c>max_connections</c>: under load the services together asked for
/// more than the server takes, every refused connection (53300, after its password exchange) was retried, and
/// ChatSocket spent its time opening connections instead of answering (7,237 connections opened in one 100-chat
/// benchmark run, 0.75 s each). With a budget per process the excess waits in the pool for a connection that is
/// returned within milliseconds.</item>
/// <item><c>Database:MaxAutoPrepare</c> (50): how many statements one connection keeps prepared on the server. A turn
/// runs the same dozen statements every time, and a prepared one is parsed and planned once per connection instead of
/// on every call: at 200 chats PostgreSQL's CPU per turn fell by a third and turns/s rose 13–23 %
/// (docs/benchmarks.md). 0 turns it off (e.g. behind a pooler that cannot keep prepared statements).</item>
/// </list>
/// </summary>
public static class PostgresConnectionDefaults
{
    public const string MaxPoolSizeKey = "Database:MaxPoolSize";
    public const int DefaultMaxPoolSize = 20;
    public const string MaxAutoPrepareKey = "Database:MaxAutoPrepare";
    public const int DefaultMaxAutoPrepare = 50;

    public static string Apply(string connectionString, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // The operator's names for them, in any case and spacing ("Maximum Pool Size", "MaxPoolSize", "Max Auto Prepare").
        var named = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var result = new NpgsqlConnectionStringBuilder(connectionString);
        if (!named.Contains("MaximumPoolSize") && !named.Contains("MaxPoolSize"))
        {
            result.MaxPoolSize = Read(configuration, MaxPoolSizeKey, DefaultMaxPoolSize, minimum: 1,
                "the PostgreSQL connections one process may hold (1-1000; replicas × this must stay under the server's max_connections)");
        }
        if (!named.Contains("MaxAutoPrepare"))
        {
            result.MaxAutoPrepare = Read(configuration, MaxAutoPrepareKey, DefaultMaxAutoPrepare, minimum: 0,
                "how many statements a connection may keep prepared (0-1000; 0 prepares none)");
        }
        return result.ConnectionString;
    }

    private static int Read(IConfiguration configuration, string key, int fallback, int minimum, string what)
    {
        var raw = configuration[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= 1000
            ? value
            : throw new InvalidOperationException($"{key} is '{raw}': set {key.Replace(":", "__", StringComparison.Ordinal)} to {what}.");
    }
}
