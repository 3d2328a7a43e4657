using System.Security.Cryptography;
using System.Text;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>The PostgreSQL cluster folder of executable mode: where it can live, and its one-time initdb.</summary>
internal static class PostgresDataDirectory
{
    /// <summary>
    /// <paramref name="preferred"/>, unless we are root and the postgres user cannot reach it (a clone under /root,
    /// which is mode 700): then a folder of this clone's own under /var/lib/taskflow.
    /// </summary>
    public static string Choose(string preferred, string[] asPostgres)
    {
        if (asPostgres.Length == 0 || CanReach(FirstExisting(preferred), asPostgres))
        {
            Directory.CreateDirectory(preferred);
            return preferred;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(preferred)))[..12];
        var fallback = Path.Combine("/var/lib/taskflow", hash, "postgres");
        Directory.CreateDirectory(fallback);
        return fallback;
    }

    /// <summary>Gives the folder to the postgres user and runs initdb once (a cluster interrupted mid-initdb is started over).</summary>
    public static async Task InitializeAsync(string data, string cluster, string bin, string[] asPostgres, string password, CancellationToken cancellationToken)
    {
        if (asPostgres.Length > 0)
        {
            await LocalServers.RunAsync(["chown", "-R", $"{LocalServers.PostgresUser}:", data], cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(Path.Combine(cluster, "PG_VERSION")))
        {
            return;
        }

        if (Directory.Exists(cluster))
        {
            Directory.Delete(cluster, recursive: true);
        }

        var passwordFile = Path.Combine(data, ".initdb-password");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        try
        {
            if (asPostgres.Length > 0)
            {
                await LocalServers.RunAsync(["chown", $"{LocalServers.PostgresUser}:", passwordFile], cancellationToken).ConfigureAwait(false);
            }

            await LocalServers.RunAsync(
                [.. asPostgres, Path.Combine(bin, "initdb"), "-D", cluster, "-U", LocalServers.PostgresUser,
                    "--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--no-locale"],
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static string FirstExisting(string path)
    {
        var full = Path.GetFullPath(path);
        while (!Directory.Exists(full) && Path.GetDirectoryName(full) is { } parent)
        {
            full = parent;
        }

        return full;
    }

    private static bool CanReach(string directory, string[] asPostgres)
    {
        try
        {
            LocalServers.RunAsync([.. asPostgres, "test", "-x", directory], CancellationToken.None).GetAwaiter().GetResult();
            return true;
        }
        catch (DistributedApplicationException)
        {
            return false;
        }
    }
}
