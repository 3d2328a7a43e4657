using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How many statements one connection keeps prepared on the server (<c>Database:MaxAutoPrepare</c>, default 50): a turn
/// runs the same dozen statements every time, and a prepared one is parsed and planned once per connection instead of
/// on every call. Measured at 200 chats: PostgreSQL's CPU per turn fell by a third, and turns/s rose 13–23 %
/// (docs/benchmarks.md). 0 turns it off (e.g. behind a pooler that cannot keep prepared statements); a connection
/// string that names its own <c>Max Auto Prepare</c> keeps it.
/// </summary>
public static class PostgresAutoPrepare
{
    public const string Key = "Database:MaxAutoPrepare";
    public const int Default = 50;

    public static string With(string connectionString, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (PostgresPoolSize.Names(connectionString, "MaxAutoPrepare"))
        {
            return connectionString;
        }
        var raw = configuration[Key];
        var count = string.IsNullOrWhiteSpace(raw) ? Default
            : int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 1000 ? parsed
            : throw new InvalidOperationException(
                $"{Key} is '{raw}': set Database__MaxAutoPrepare to how many statements a connection may keep prepared (0-1000; 0 prepares none).");
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = count }.ConnectionString;
    }
}
