using System.Net.Sockets;
using System.Text;

namespace TaskFlow.LocalInfra;

/// <summary>
/// redis-server on 127.0.0.1. Durable: append-only file (every write logged, fsync each second, flushed on a clean stop).
/// Not durable: nothing written to disk at all.
/// </summary>
public sealed class RedisServer : InfraServer
{
    private readonly string _executable;

    private RedisServer(InfraOptions options, string executable) : base("Redis", options) => _executable = executable;

    /// <summary><c>127.0.0.1:PORT</c> (no password), the StackExchange.Redis shape of the contract.</summary>
    public override string ConnectionString => $"{Host}:{Port}";

    private protected override TimeSpan DefaultStartTimeout => TimeSpan.FromSeconds(20);

    private protected override string InstallHint =>
        "Redis must be installed: on Debian/Ubuntu `sudo apt-get install -y redis-server` (or run scripts/install-prereqs.sh); " +
        "set TASKFLOW_REDIS_SERVER to use a redis-server elsewhere.";

    /// <summary>Starts redis-server and returns once it answers PING.</summary>
    public static async Task<RedisServer> StartAsync(InfraOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var executable = Environment.GetEnvironmentVariable("TASKFLOW_REDIS_SERVER") is { Length: > 0 } configured
            ? configured
            : ManagedProcess.Which("redis-server");
        if (executable is null || !File.Exists(executable))
        {
            throw new InfraException("redis-server was not found on PATH. Install it: on Debian/Ubuntu `sudo apt-get install -y redis-server` (or run scripts/install-prereqs.sh).");
        }

        var server = new RedisServer(options, executable);
        await server.StartCoreAsync(cancellationToken);
        return server;
    }

    private protected override Task<ManagedProcess> LaunchAsync(CancellationToken cancellationToken)
    {
        var dataDir = Path.Combine(DataDirectory, "data");
        Directory.CreateDirectory(dataDir);
        string[] args =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", Host,
            "--dir", dataDir,
            "--daemonize", "no",
            "--logfile", "",
            "--save", "",
            "--appendonly", Durable ? "yes" : "no",
            "--appendfsync", "everysec",
        ];
        return Task.FromResult(ManagedProcess.Start(new ProcessSpec
        {
            FileName = _executable,
            Arguments = args,
            WorkingDirectory = DataDirectory,
            LogFile = LogFile,
            PidFile = PidFile("redis"),
            PidMarker = $"{Host}:{Port}",
        }));
    }

    private protected override async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Host, Port, cts.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cts.Token);
            // "-LOADING ..." while the AOF is replayed: not ready yet.
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private protected override async Task StopMainAsync(ManagedProcess main)
    {
        // SIGTERM: Redis flushes and fsyncs the AOF (durable) and exits; no RDB is written (save "").
        await main.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(20));
    }
}
