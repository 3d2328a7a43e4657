using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>redis-server started by Aspire as a local executable, with the connection string of Aspire's Redis container.</summary>
public sealed class RedisExecutableResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, InfrastructureResources.PrimaryEndpointName);

    /// <summary><c>localhost:PORT,password=PWD</c>, the contract's (and Aspire's) shape.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={PasswordParameter}");
}

public static class RedisInfrastructure
{
    /// <summary>
    /// Redis as <c>ConnectionStrings:NAME</c>: Aspire's container with a data volume, or redis-server with its data
    /// (append-only file) in the project's data folder. Healthy when it answers PING with the password.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddTaskFlowRedis(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (mode == InfrastructureMode.Containers)
        {
            // Aspire turns on TLS for Redis whenever a developer certificate is usable (and appends ",ssl=true"); the
            // services talk plain TCP on loopback, as in executable mode.
#pragma warning disable ASPIRECERTIFICATES001 // experimental
            return builder.AddRedis(name)
                .WithoutHttpsCertificate()
                .WithDataVolume()
                .WithInfrastructureMode(mode);
#pragma warning restore ASPIRECERTIFICATES001
        }

        var data = Path.Combine(LocalServers.DataDirectory(builder), name);
        Directory.CreateDirectory(data);
        var password = LocalServers.ServerPassword(builder, name, data);
        var config = Path.Combine(data, "redis.conf");
        var redis = new RedisExecutableResource(name, LocalServers.RequireOnPath("redis-server", "redis-server"), data, password);

        var healthCheckKey = $"{name}_check";
        var connectionString = builder.ConnectionStringOnceAvailable(redis);
        builder.Services.AddHealthChecks().AddRedis(_ => connectionString(), name: healthCheckKey);

        return builder.AddResource(redis)
            .WithDirectEndpoint()
            .WithIconName("Memory")
            .OnBeforeResourceStarted(async (resource, _, ct) =>
            {
                // The password lives in a file only root can read, not on the command line for every user's ps.
                var secret = await resource.PasswordParameter.GetValueAsync(ct).ConfigureAwait(false);
                await File.WriteAllTextAsync(config, $"""
                    # Written by the TaskFlow AppHost on every start.
                    bind 127.0.0.1
                    protected-mode yes
                    requirepass {secret}
                    dir {data}
                    appendonly yes
                    save ""
                    daemonize no

                    """, ct).ConfigureAwait(false);
                LocalServers.MakePrivate(config);
            })
            .WithArgs(context =>
            {
                context.Args.Add(config);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(healthCheckKey)
            .WithInfrastructureMode(mode);
    }
}
