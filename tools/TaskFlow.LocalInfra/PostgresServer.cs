using System.Globalization;
using System.Net.Sockets;

namespace TaskFlow.LocalInfra;

/// <summary>
/// PostgreSQL on 127.0.0.1 with a database <c>taskflowdb</c>. As root it runs as the <c>postgres</c> user (PostgreSQL
/// refuses root): setpriv execs in place, so the pid we hold is the postmaster. Durable: default fsync settings.
/// Not durable: fsync, synchronous_commit and full_page_writes off.
/// </summary>
public sealed class PostgresServer : InfraServer
{
    /// <summary>The database the contract names.</summary>
    public const string DatabaseName = "taskflowdb";

    /// <summary>Superuser name.</summary>
    public const string UserName = "postgres";

    /// <summary>Superuser password (TCP logins use scram-sha-256, so it is really checked).</summary>
    public const string Password = "taskflow";

    private readonly string _binDirectory;
    private readonly string[] _asPostgres;

    private PostgresServer(InfraOptions options, string binDirectory, string[] asPostgres)
        : base("PostgreSQL", options)
    {
        _binDirectory = binDirectory;
        _asPostgres = asPostgres;
    }

    /// <summary><c>Host=127.0.0.1;Port=P;Username=postgres;Password=...;Database=taskflowdb</c>.</summary>
    public override string ConnectionString => ConnectionStringFor(DatabaseName);

    /// <summary>The cluster folder (initdb'd on first start).</summary>
    public string ClusterDirectory => Path.Combine(DataDirectory, "pgdata");

    private protected override TimeSpan DefaultStartTimeout => TimeSpan.FromSeconds(60);

    private protected override string InstallHint =>
        "PostgreSQL must be installed: on Debian/Ubuntu `sudo apt-get install -y postgresql` (or run scripts/install-prereqs.sh); " +
        "set TASKFLOW_PG_BIN to the folder holding postgres, initdb, pg_isready and psql to use another installation.";

    /// <summary>The contract-shaped connection string for another database on this server.</summary>
    public string ConnectionStringFor(string database) =>
        $"Host={Host};Port={Port.ToString(CultureInfo.InvariantCulture)};Username={UserName};Password={Password};Database={database}";

    /// <summary>Initialises the cluster if needed, starts it, waits for pg_isready and creates taskflowdb if missing.</summary>
    public static async Task<PostgresServer> StartAsync(InfraOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = FindBinDirectory() ?? throw new InfraException(
            "PostgreSQL server binaries were not found (looked in TASKFLOW_PG_BIN, /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin and PATH). " +
            "Install them: on Debian/Ubuntu `sudo apt-get install -y postgresql` (or run scripts/install-prereqs.sh).");

        string[] asPostgres = [];
        if (Posix.IsRoot)
        {
            var setpriv = ManagedProcess.Which("setpriv") ?? throw new InfraException(
                "PostgreSQL refuses to run as root and setpriv (util-linux) was not found to switch to the postgres user. Install util-linux, or run as a normal user.");
            var id = await ProcessRunner.RunAsync("id", ["-u", UserName], cancellationToken: cancellationToken);
            if (id.ExitCode != 0)
            {
                throw new InfraException(
                    "PostgreSQL refuses to run as root, and there is no 'postgres' user to run it as. Install the postgresql package " +
                    "(it creates the user: `sudo apt-get install -y postgresql`), create the user (`useradd -r postgres`), or run as a normal user.");
            }

            asPostgres = [setpriv, "--reuid=" + UserName, "--regid=" + UserName, "--init-groups"];
        }

        var server = new PostgresServer(options, bin, asPostgres);
        await server.StartCoreAsync(cancellationToken);
        return server;
    }

    /// <summary>Creates <paramref name="database"/> if it does not exist (for tests that want a database of their own).</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (database.Contains('"', StringComparison.Ordinal) || database.Contains('\'', StringComparison.Ordinal))
        {
            throw new ArgumentException("Database names with quotes are not supported.", nameof(database));
        }

        var exists = await PsqlAsync($"SELECT 1 FROM pg_database WHERE datname = '{database}'", cancellationToken);
        if (exists.Trim() != "1")
        {
            await PsqlAsync($"CREATE DATABASE \"{database}\"", cancellationToken);
        }
    }

    /// <summary>The newest PostgreSQL bin folder on this machine, or null.</summary>
    public static string? FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("TASKFLOW_PG_BIN") is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "postgres")) ? configured : null;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.EnumerateDirectories(debianRoot)
                .Select(d => (dir: Path.Combine(d, "bin"), version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.dir, "postgres")))
                .OrderByDescending(x => x.version)
                .Select(x => x.dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        if (File.Exists("/usr/local/pgsql/bin/postgres"))
        {
            return "/usr/local/pgsql/bin";
        }

        return ManagedProcess.Which("postgres") is { } onPath ? Path.GetDirectoryName(onPath) : null;
    }

    private protected override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (_asPostgres.Length > 0)
        {
            // The data folder belongs to postgres; root (this process) can still read logs and delete it.
            var chown = await ProcessRunner.RunAsync("chown", ["-R", $"{UserName}:", DataDirectory], cancellationToken: cancellationToken);
            if (chown.ExitCode != 0)
            {
                throw new InfraException($"Could not give {DataDirectory} to the postgres user: {chown.Output}");
            }

            var reach = await ProcessRunner.RunAsync(_asPostgres[0], [.. _asPostgres[1..], "test", "-w", DataDirectory], cancellationToken: cancellationToken);
            if (reach.ExitCode != 0)
            {
                throw new InfraException(
                    $"PostgreSQL runs as the postgres user (it refuses root), and that user cannot reach {DataDirectory}. " +
                    "Make its parent folders traversable (chmod o+x) or use a data folder elsewhere (for tests: InfraOptions.ForTests).");
            }
        }

        if (File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
        {
            return;
        }

        if (Directory.Exists(ClusterDirectory))
        {
            // A previous initdb was interrupted: start over (there cannot be data in a cluster that never started).
            Directory.Delete(ClusterDirectory, recursive: true);
        }

        var pwFile = Path.Combine(DataDirectory, ".initdb-password");
        await File.WriteAllTextAsync(pwFile, Password + "\n", cancellationToken);
        try
        {
            List<string> args =
            [
                .. _asPostgres,
                Path.Combine(_binDirectory, "initdb"),
                "-D", ClusterDirectory,
                "-U", UserName,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile=" + pwFile,
                "-E", "UTF8",
                "--no-locale",
            ];
            if (!Durable)
            {
                args.Add("--no-sync");
            }

            var initdb = await ProcessRunner.RunAsync(args[0], args.Skip(1), timeout: TimeSpan.FromMinutes(2), cancellationToken: cancellationToken);
            await File.AppendAllTextAsync(LogFile, initdb.Output, cancellationToken);
            if (initdb.ExitCode != 0)
            {
                throw Failure($"initdb failed with exit code {initdb.ExitCode}.");
            }
        }
        finally
        {
            File.Delete(pwFile);
        }
    }

    private protected override Task<ManagedProcess> LaunchAsync(CancellationToken cancellationToken)
    {
        List<string> args =
        [
            .. _asPostgres.Skip(1),
            Path.Combine(_binDirectory, "postgres"),
            "-D", ClusterDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-h", Host,
            // No Unix socket: nothing to clash with /var/run/postgresql, no 107-character path limit.
            "-k", "",
        ];
        if (!Durable)
        {
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return Task.FromResult(ManagedProcess.Start(new ProcessSpec
        {
            FileName = _asPostgres.Length > 0 ? _asPostgres[0] : args[0],
            Arguments = _asPostgres.Length > 0 ? args : args[1..],
            WorkingDirectory = DataDirectory,
            LogFile = LogFile,
            PidFile = PidFile("postgres"),
            PidMarker = ClusterDirectory,
            StopSignal = Posix.SigInt,
        }));
    }

    private protected override async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        // Cheap TCP check first, so pg_isready is not spawned every 100 ms while nothing listens yet.
        try
        {
            using var client = new TcpClient();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(Host, Port, cts.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var ready = await ProcessRunner.RunAsync(
            Path.Combine(_binDirectory, "pg_isready"),
            ["-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", UserName, "-d", "postgres", "-t", "2"],
            timeout: TimeSpan.FromSeconds(5),
            cancellationToken: cancellationToken);
        return ready.ExitCode == 0;
    }

    private protected override Task AfterReadyAsync(CancellationToken cancellationToken) => EnsureDatabaseAsync(DatabaseName, cancellationToken);

    private protected override async Task StopMainAsync(ManagedProcess main)
    {
        // SIGINT = fast shutdown: disconnect clients, checkpoint, exit.
        await main.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(30));
    }

    private async Task<string> PsqlAsync(string sql, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(
            Path.Combine(_binDirectory, "psql"),
            ["-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", UserName, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-X", "-tA", "-c", sql],
            new Dictionary<string, string?> { ["PGPASSWORD"] = Password, ["PGCONNECT_TIMEOUT"] = "10" },
            TimeSpan.FromSeconds(30),
            cancellationToken);
        if (result.ExitCode != 0)
        {
            throw Failure($"refused `{sql}`: {result.Output}");
        }

        return result.Output;
    }
}
