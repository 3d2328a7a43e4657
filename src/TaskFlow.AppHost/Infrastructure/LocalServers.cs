using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>
/// What executable mode needs from this machine: the server binaries (Debian packages), the data folder kept between
/// runs, and PostgreSQL's own user (it refuses to run as root).
/// </summary>
internal static class LocalServers
{
    /// <summary>The configuration key for the data folder; default <c>.local/aspire</c> in the repository.</summary>
    public const string DataDirectoryKey = "TaskFlow:DataDirectory";

    public const string PostgresUser = "postgres";

    private static readonly string[] s_rabbitMqServerScripts =
        ["/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/local/lib/rabbitmq/bin/rabbitmq-server", "/opt/rabbitmq/sbin/rabbitmq-server"];

    public static string DataDirectory(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(builder.Configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, "..", "..", ".local", "aspire"));

    public static bool IsRoot => Environment.UserName == "root";

    public static string RequireOnPath(string command, string package) =>
        FindOnPath(command) ?? throw new DistributedApplicationException(
            $"{command} was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y {package}`, or scripts/install-prereqs.sh), " +
            "or run with a container runtime (TaskFlow:Infrastructure=Containers).");

    public static string? FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);

    /// <summary>The newest PostgreSQL server binaries (Debian keeps them off PATH, under /usr/lib/postgresql/N/bin).</summary>
    public static string PostgresBinDirectory()
    {
        const string debianRoot = "/usr/lib/postgresql";
        var debian = Directory.Exists(debianRoot)
            ? Directory.EnumerateDirectories(debianRoot)
                .Select(d => (Bin: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Bin, "postgres")))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Bin)
                .FirstOrDefault()
            : null;
        return debian
            ?? (FindOnPath("postgres") is { } onPath ? Path.GetDirectoryName(onPath)! : null)
            ?? throw new DistributedApplicationException(
                "PostgreSQL was not found (looked in /usr/lib/postgresql/*/bin and PATH). Install it (Debian/Ubuntu: `sudo apt-get install -y postgresql`), " +
                "or run with a container runtime (TaskFlow:Infrastructure=Containers).");
    }

    /// <summary>The RabbitMQ start script itself: the /usr/sbin wrapper would switch to the rabbitmq user and its cookie.</summary>
    public static string RabbitMqServerScript() =>
        s_rabbitMqServerScripts.FirstOrDefault(File.Exists)
        ?? throw new DistributedApplicationException(
            "RabbitMQ was not found (looked for /usr/lib/rabbitmq/bin/rabbitmq-server). Install it (Debian/Ubuntu: `sudo apt-get install -y rabbitmq-server`), " +
            "or run with a container runtime (TaskFlow:Infrastructure=Containers).");

    /// <summary>
    /// As root, the prefix that runs a command as the postgres user. setpriv execs in place, so no process of its own
    /// stays between the caller and the command (runuser would, and would hold on to a signal meant for PostgreSQL).
    /// </summary>
    public static string[] AsPostgres() => IsRoot
        ? [RequireOnPath("setpriv", "util-linux"), $"--reuid={PostgresUser}", $"--regid={PostgresUser}", "--init-groups"]
        : [];

    /// <summary>
    /// A loopback port nothing listens on now, for a port two executables must agree on before either starts. Taken
    /// below the kernel's ephemeral range (32768 and up on Linux), where DCP and every outgoing connection get theirs:
    /// a port from that range could be handed to someone else between this choice and the start (seen with two
    /// AppHosts starting at once: epmd found its port taken and exited, and RabbitMQ waited for it forever).
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(20000, 32000);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: another one.
            }
        }

        throw new DistributedApplicationException("No free loopback port between 20000 and 32000 for RabbitMQ's epmd.");
    }

    /// <summary>
    /// The password of server <paramref name="serverName"/>, kept in its data folder (<c>password</c>, owner-only) from
    /// its first start. PostgreSQL and RabbitMQ write the first password into their data and refuse any other after, so
    /// the password must live and go with that data: one kept elsewhere (Aspire's generated parameter in the AppHost's
    /// user secrets) parts from it when either is cleared or copied alone, and every service then waits forever on a
    /// server that refuses its login. A folder from before this rule takes the configured or saved parameter
    /// (<c>Parameters:NAME-password</c>) once, which is the password its data was made with.
    /// </summary>
    public static ParameterResource ServerPassword(IDistributedApplicationBuilder builder, string serverName, string dataFolder)
    {
        var name = $"{serverName}-password";
        var file = Path.Combine(dataFolder, "password");
        string value;
        if (File.Exists(file))
        {
            value = File.ReadAllText(file).Trim();
            if (value.Length == 0)
            {
                throw new DistributedApplicationException(
                    $"{file} is empty. Write the password {serverName}'s data was created with into it, or delete {dataFolder} to start {serverName} afresh (its data is lost).");
            }
        }
        else
        {
            value = builder.Configuration[$"Parameters:{name}"] is { Length: > 0 } configured
                ? configured
                : RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 22);
            Directory.CreateDirectory(dataFolder);
            File.WriteAllText(file, value + "\n");
            MakePrivate(file);
        }

        return builder.AddParameter(name, value, secret: true).Resource;
    }

    /// <summary>Makes a file that holds a password readable by its owner only.</summary>
    public static void MakePrivate(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Runs a short preparation command (initdb, chown) and fails with its output.</summary>
    public static async Task RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new DistributedApplicationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException(
                $"`{string.Join(' ', command)}` failed with exit code {process.ExitCode}: {await output}{await error}");
        }
    }
}
