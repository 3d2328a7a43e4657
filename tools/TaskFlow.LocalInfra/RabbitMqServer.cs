using System.Globalization;
using System.Net.Sockets;

namespace TaskFlow.LocalInfra;

/// <summary>
/// RabbitMQ on 127.0.0.1 with its own epmd (started first, stopped last, so none outlives us), its own HOME (Erlang
/// cookie) and its own config (<c>loopback_users = none</c>, no plugins). The node name is fixed, so data survives a
/// restart even on another port; two instances never meet because each has its own epmd.
/// </summary>
public sealed class RabbitMqServer : InfraServer
{
    /// <summary>Erlang node name; local to this instance's epmd.</summary>
    public const string NodeName = "taskflow@localhost";

    private static readonly byte[] s_protocolHeader = "AMQP\0\0\u0009\u0001"u8.ToArray();

    private readonly string _serverScript;
    private readonly string _epmd;
    private ManagedProcess? _epmdProcess;

    private RabbitMqServer(InfraOptions options, string serverScript, string epmd) : base("RabbitMQ", options)
    {
        _serverScript = serverScript;
        _epmd = epmd;
    }

    /// <summary><c>amqp://guest:guest@127.0.0.1:PORT</c> (no vhost, no trailing slash), the contract's shape.</summary>
    public override string ConnectionString => $"amqp://guest:guest@{Host}:{Port}";

    /// <summary>Port of this instance's epmd (changes on restart).</summary>
    public int EpmdPort { get; private set; }

    /// <summary>Erlang distribution port (changes on restart).</summary>
    public int DistributionPort { get; private set; }

    private protected override TimeSpan DefaultStartTimeout => TimeSpan.FromSeconds(90);

    private protected override TimeSpan ProbeInterval => TimeSpan.FromMilliseconds(200);

    private protected override string InstallHint =>
        "RabbitMQ must be installed: on Debian/Ubuntu `sudo apt-get install -y rabbitmq-server` (or run scripts/install-prereqs.sh); " +
        "set TASKFLOW_RABBITMQ_SERVER to the rabbitmq-server script (the one under lib/rabbitmq/bin, not the /usr/sbin wrapper) to use another installation.";

    /// <summary>Starts epmd and RabbitMQ and returns once the broker answers the AMQP protocol header.</summary>
    public static async Task<RabbitMqServer> StartAsync(InfraOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] candidates =
        [
            Environment.GetEnvironmentVariable("TASKFLOW_RABBITMQ_SERVER") ?? "",
            "/usr/lib/rabbitmq/bin/rabbitmq-server",
            "/usr/local/lib/rabbitmq/bin/rabbitmq-server",
            "/opt/rabbitmq/sbin/rabbitmq-server",
        ];
        var script = candidates.FirstOrDefault(c => c.Length > 0 && File.Exists(c)) ?? throw new InfraException(
            "RabbitMQ was not found (looked for /usr/lib/rabbitmq/bin/rabbitmq-server). Install it: on Debian/Ubuntu " +
            "`sudo apt-get install -y rabbitmq-server` (or run scripts/install-prereqs.sh).");
        var epmd = ManagedProcess.Which("epmd")
            ?? Directory.EnumerateFiles("/usr/lib/erlang", "epmd", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true }).FirstOrDefault()
            ?? throw new InfraException("epmd (Erlang) was not found. Install RabbitMQ with its Erlang runtime: `sudo apt-get install -y rabbitmq-server`.");

        var server = new RabbitMqServer(options, script, epmd);
        await server.StartCoreAsync(cancellationToken);
        return server;
    }

    /// <summary>True when something on 127.0.0.1:<paramref name="port"/> answers the AMQP 0-9-1 header with a frame (Connection.Start).</summary>
    public static async Task<bool> AnswersAmqpAsync(int port, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Host, port, cts.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(s_protocolHeader, cts.Token);
            var first = new byte[1];
            var read = await stream.ReadAsync(first, cts.Token);
            // 1 = method frame (Connection.Start); a server that dislikes the header sends its own header ('A') and closes.
            return read == 1 && first[0] == 1;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private string Home => Path.Combine(DataDirectory, "home");

    private protected override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Path.Combine(DataDirectory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(DataDirectory, "log"));
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "enabled_plugins"), "[].\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "rabbitmq-env.conf"), "", cancellationToken);
        await File.WriteAllTextAsync(
            Path.Combine(DataDirectory, "rabbitmq.conf"),
            """
            # Written by TaskFlow.LocalInfra on every start.
            # guest/guest may connect from anywhere (the listener is bound to 127.0.0.1 anyway).
            loopback_users = none
            log.console = true
            log.console.level = info
            log.file = false

            """,
            cancellationToken);
    }

    private protected override async Task<ManagedProcess> LaunchAsync(CancellationToken cancellationToken)
    {
        EpmdPort = FreePort.Get();
        DistributionPort = FreePort.Get();
        var epmdPort = EpmdPort.ToString(CultureInfo.InvariantCulture);

        // Our own epmd, in the foreground: otherwise the Erlang VM would daemonize one that outlives everything.
        _epmdProcess?.Dispose();
        _epmdProcess = ManagedProcess.Start(new ProcessSpec
        {
            FileName = _epmd,
            Arguments = ["-port", epmdPort, "-address", Host],
            WorkingDirectory = DataDirectory,
            LogFile = LogFile,
            PidFile = PidFile("epmd"),
            PidMarker = $"-port {epmdPort}",
        });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (FreePort.IsFree(EpmdPort))
        {
            if (_epmdProcess.HasExited || DateTime.UtcNow > deadline)
            {
                throw Failure($"could not start its epmd on port {EpmdPort}.");
            }

            await Task.Delay(20, cancellationToken);
        }

        var env = new Dictionary<string, string?>
        {
            ["HOME"] = Home,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = Host,
            ["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = epmdPort,
            ["ERL_EPMD_ADDRESS"] = Host,
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(DataDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(DataDirectory, "log"),
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(DataDirectory, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(DataDirectory, "rabbitmq.conf"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(DataDirectory, "advanced.config"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(DataDirectory, "rabbitmq-env.conf"),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
            // Makes SIGTERM a clean, quick stop (≈ 1 s) and keeps the VM in the foreground.
            ["RUNNING_UNDER_SYSTEMD"] = "true",
            ["NOTIFY_SOCKET"] = null,
            ["RABBITMQ_ALLOW_INPUT"] = null,
        };
        return ManagedProcess.Start(new ProcessSpec
        {
            FileName = _serverScript,
            Environment = env,
            WorkingDirectory = DataDirectory,
            LogFile = LogFile,
            PidFile = PidFile("rabbitmq"),
            PidMarker = Home,
        });
    }

    private protected override Task<bool> ProbeAsync(CancellationToken cancellationToken) => AnswersAmqpAsync(Port, cancellationToken);

    private protected override async Task StopMainAsync(ManagedProcess main) => await main.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(30));

    private protected override async Task StopHelpersAsync()
    {
        if (_epmdProcess is not null)
        {
            await _epmdProcess.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(5));
        }
    }

    private protected override void ReleaseHelpers() => _epmdProcess?.Dispose();

    private protected override async Task KillHelpersAsync()
    {
        if (_epmdProcess is not null)
        {
            await _epmdProcess.KillAsync();
        }
    }
}
