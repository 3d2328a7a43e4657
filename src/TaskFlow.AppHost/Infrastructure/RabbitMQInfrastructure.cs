using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>RabbitMQ started by Aspire as a local executable, with the connection string of Aspire's RabbitMQ container.</summary>
public sealed class RabbitMQExecutableResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, InfrastructureResources.PrimaryEndpointName);

    /// <summary><c>amqp://guest:PWD@localhost:PORT</c> (no vhost, no trailing slash), the contract's shape.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://guest:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

public static class RabbitMQInfrastructure
{
    /// <summary>
    /// RabbitMQ as <c>ConnectionStrings:NAME</c>: Aspire's container with a data volume, or Debian's RabbitMQ with its
    /// data in the project's data folder, on private ports with an epmd of its own (NAME-epmd) that DCP starts first
    /// and stops with it, so no Erlang daemon outlives the AppHost. Healthy when an AMQP login succeeds.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddTaskFlowRabbitMQ(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (mode == InfrastructureMode.Containers)
        {
            return builder.AddRabbitMQ(name)
                .WithDataVolume()
                .WithInfrastructureMode(mode);
        }

        var data = Path.Combine(LocalServers.DataDirectory(builder), name);
        var home = Path.Combine(data, "home");
        Directory.CreateDirectory(home);
        var password = LocalServers.ServerPassword(builder, name, data);

        // epmd in the foreground, stopped after RabbitMQ (EpmdStopOrder): left to itself, the Erlang VM would daemonize
        // one that outlives everything. Its port is fixed here, not allocated by DCP: RabbitMQ must be told it, and DCP
        // resolves an allocated port only in the environment of the executable that serves it.
        var epmdPort = LocalServers.FreePort();
        var epmdCheck = $"{name}-epmd_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(epmdCheck, async ct =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, epmdPort, ct).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException e)
            {
                return HealthCheckResult.Unhealthy($"epmd does not answer on port {epmdPort}.", e);
            }
        });
        var (epmdCommand, epmdArguments) = EpmdStopOrder.Command(
            LocalServers.RequireOnPath("epmd", "erlang-base"), epmdPort.ToString(CultureInfo.InvariantCulture));
        var epmd = builder.AddExecutable($"{name}-epmd", epmdCommand, data, epmdArguments)
            .WithEndpoint(name: InfrastructureResources.PrimaryEndpointName, scheme: "tcp", port: epmdPort, targetPort: epmdPort, isProxied: false)
            .WithIconName("PlugConnected")
            .WithHealthCheck(epmdCheck)
            .WithInfrastructureMode(mode);

        var rabbit = new RabbitMQExecutableResource(name, LocalServers.RabbitMqServerScript(), data, password);
        var connectionString = builder.ConnectionStringOnceAvailable(rabbit);
        IConnection? connection = null;
        builder.Services.AddHealthChecks().AddRabbitMQ(
            async _ => connection ??= await new ConnectionFactory { Uri = new Uri(connectionString()) }.CreateConnectionAsync().ConfigureAwait(false),
            name: $"{name}_check");

        var resource = builder.AddResource(rabbit)
            .WithDirectEndpoint()
            // Erlang distribution: a free port for the node to listen on (registered in its epmd); nothing uses its proxy.
            .WithEndpoint(name: "dist", scheme: "tcp")
            .WithIconName("Mail")
            .OnBeforeResourceStarted(async (r, _, ct) => await WriteConfigurationAsync(data, await r.PasswordParameter.GetValueAsync(ct).ConfigureAwait(false) ?? "", ct).ConfigureAwait(false))
            .WithEnvironment(context =>
            {
                var env = context.EnvironmentVariables;
                env["HOME"] = home;
                env["RABBITMQ_NODENAME"] = "taskflow@localhost";
                env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
                env["RABBITMQ_NODE_PORT"] = rabbit.PrimaryEndpoint.Property(EndpointProperty.TargetPort);
                env["RABBITMQ_DIST_PORT"] = rabbit.GetEndpoint("dist").Property(EndpointProperty.TargetPort);
                env["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
                env["ERL_EPMD_ADDRESS"] = "127.0.0.1";
                env["RABBITMQ_MNESIA_BASE"] = Path.Combine(data, "mnesia");
                env["RABBITMQ_LOG_BASE"] = Path.Combine(data, "log");
                env["RABBITMQ_LOGS"] = "-";
                env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(data, "enabled_plugins");
                env["RABBITMQ_CONFIG_FILE"] = Path.Combine(data, "rabbitmq.conf");
                env["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(data, "advanced.config");
                env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(data, "rabbitmq-env.conf");
                // No scheduler busy-waiting (RabbitMQ's runtime guide): an idle broker otherwise spins on the CPU it
                // shares with the services on one small machine.
                env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] =
                    "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none";
                // Keeps the VM in the foreground and makes DCP's SIGTERM a clean stop in about a second.
                env["RUNNING_UNDER_SYSTEMD"] = "true";
            })
            .WithHealthCheck($"{name}_check")
            .WithInfrastructureMode(mode)
            .WaitFor(epmd);
        return resource;
    }

    private static async Task WriteConfigurationAsync(string data, string password, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(data, "mnesia"));
        Directory.CreateDirectory(Path.Combine(data, "log"));
        await File.WriteAllTextAsync(Path.Combine(data, "enabled_plugins"), "[].\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(data, "rabbitmq-env.conf"), "", cancellationToken).ConfigureAwait(false);
        var config = Path.Combine(data, "rabbitmq.conf");
        // default_pass applies when the node first creates its database, as the container's RABBITMQ_DEFAULT_PASS does.
        await File.WriteAllTextAsync(config, $"""
            # Written by the TaskFlow AppHost on every start.
            loopback_users = none
            default_user = guest
            default_pass = {password}
            log.console = true
            log.console.level = info
            log.file = false

            """, cancellationToken).ConfigureAwait(false);
        LocalServers.MakePrivate(config);
    }
}
