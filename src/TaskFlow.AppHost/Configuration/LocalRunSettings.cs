using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace TaskFlow.AppHost.Configuration;

/// <summary>
/// The settings <c>./run.sh</c> users give in the environment (<c>TASKFLOW_*</c>, see <c>./run.sh --help</c>), read
/// once from the AppHost's configuration, so <c>dotnet run --project src/TaskFlow.AppHost</c> honours them too.
/// </summary>
public sealed record LocalRunSettings(
    int? GatewayPort,
    int? ManagementPort,
    int? RedisPort,
    int? PostgresPort,
    int? RabbitMQPort,
    IReadOnlyDictionary<string, int> Replicas,
    IReadOnlyDictionary<string, string> ServiceConfiguration)
{
    public const string GatewayPortKey = "TASKFLOW_PORT";
    public const string ManagementPortKey = "TASKFLOW_MANAGEMENT_PORT";
    public const string RedisPortKey = "TASKFLOW_REDIS_PORT";
    public const string PostgresPortKey = "TASKFLOW_POSTGRES_PORT";
    public const string RabbitMQPortKey = "TASKFLOW_RABBITMQ_PORT";
    public const string ReplicasKey = "TASKFLOW_REPLICAS";
    public const string ChatKey = "TASKFLOW_CHAT";

    /// <summary>The gateway's port in its launch profile, used when <c>TASKFLOW_PORT</c> is unset.</summary>
    public const int DefaultGatewayPort = 5100;

    /// <summary>The services that may run several processes: the gateway is the one public port.</summary>
    public static readonly IReadOnlyList<string> ReplicableServices = ["web", "chatsocket", "inferenceworker", "telemetry"];

    /// <summary>
    /// The configuration sections the services bind (their options classes' SectionName): whatever the AppHost's
    /// configuration holds under them (its environment, e.g. <c>Inference__MaxConcurrentJobs=7</c>, its command line or
    /// user secrets) is handed to every service. DCP passes the AppHost's environment on too, but not its command line,
    /// user secrets or appsettings.json.
    /// </summary>
    public static readonly IReadOnlyList<string> ServiceSections = ["Chat", "Database", "Inference", "Models", "Queue", "Security", "Telemetry"];

    /// <summary>
    /// OpenTelemetry's trace sampler, handed to every service when the AppHost's configuration names it (e.g.
    /// <c>OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 ./run.sh</c>): Aspire gives each service
    /// <c>OTEL_TRACES_SAMPLER=always_on</c>, over the environment DCP passes on.
    /// </summary>
    public static readonly IReadOnlyList<string> HandedOnVariables = ["OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"];

    /// <summary>Whether <c>TASKFLOW_REPLICAS</c> asks for more than one process of <paramref name="service"/>, and how many.</summary>
    public bool IsReplicated(string service, out int replicas) =>
        Replicas.TryGetValue(service, out replicas) && replicas > 1;

    /// <summary>Reads the settings; a malformed one stops the AppHost with a message saying what to set.</summary>
    public static LocalRunSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var serviceConfiguration = ServiceSections
            .SelectMany(section => configuration.GetSection(section).AsEnumerable())
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value!, StringComparer.OrdinalIgnoreCase);
        foreach (var key in HandedOnVariables)
        {
            if (configuration[key] is { Length: > 0 } value)
            {
                serviceConfiguration[key] = value;
            }
        }
        var gatewayPort = Port(configuration, GatewayPortKey);
        return new LocalRunSettings(
            gatewayPort,
            // Where deploy/prometheus/prometheus.yml scrapes it: the public port + 5 (5105).
            Port(configuration, ManagementPortKey) ?? (gatewayPort ?? DefaultGatewayPort) + 5,
            Port(configuration, RedisPortKey),
            Port(configuration, PostgresPortKey),
            Port(configuration, RabbitMQPortKey),
            ParseReplicas(configuration[ReplicasKey]),
            serviceConfiguration);
    }

    /// <summary><see cref="Read"/>, with a malformed setting as a one-line message for the console, not a stack trace.</summary>
    public static bool TryRead(IConfiguration configuration, [NotNullWhen(true)] out LocalRunSettings? settings, [NotNullWhen(false)] out string? error)
    {
        try
        {
            settings = Read(configuration);
            error = null;
            return true;
        }
        catch (DistributedApplicationException e)
        {
            settings = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary><c>TASKFLOW_CHAT</c> is the AppHost's <c>ConnectionStrings:chat</c> (the worker's default model).</summary>
    public static void ApplyChatSetting(IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[ChatKey] is { Length: > 0 } chat)
        {
            configuration["ConnectionStrings:chat"] = chat;
        }
    }

    private static int? Port(IConfiguration configuration, string key) =>
        configuration[key] is not { Length: > 0 } text ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536 ? port
        : throw new DistributedApplicationException($"{key} is '{text}': set it to a port number from 1 to 65535, or leave it unset.");

    private static Dictionary<string, int> ParseReplicas(string? value)
    {
        var replicas = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !ReplicableServices.Contains(pair[0])
                || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 16)
            {
                throw new DistributedApplicationException(
                    $"{ReplicasKey}: '{part}' is not SERVICE=COUNT with SERVICE one of {string.Join(", ", ReplicableServices)} and COUNT 1 to 16, " +
                    $"e.g. {ReplicasKey}=chatsocket=2,inferenceworker=2");
            }

            replicas[pair[0]] = count;
        }

        return replicas;
    }
}
