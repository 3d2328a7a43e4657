using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace TaskFlow.AppHost.Infrastructure;

/// <summary>A PostgreSQL server started by Aspire as a local executable, as the postgres user.</summary>
public sealed class PostgresExecutableResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, InfrastructureResources.PrimaryEndpointName);

    /// <summary>The server's connection string, without a database, in the shape of Aspire's PostgreSQL container.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={LocalServers.PostgresUser};Password={PasswordParameter}");
}

/// <summary>A database of <see cref="PostgresExecutableResource"/>, created once the server is healthy.</summary>
public sealed class PostgresExecutableDatabaseResource(string name, string databaseName, PostgresExecutableResource parent)
    : Resource(name), IResourceWithParent<PostgresExecutableResource>, IResourceWithConnectionString
{
    public PostgresExecutableResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    /// <summary><c>Host=localhost;Port=PORT;Username=postgres;Password=PWD;Database=NAME</c>, the contract's shape.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

public static class PostgresInfrastructure
{
    /// <summary>
    /// PostgreSQL server <paramref name="serverName"/> with database <paramref name="databaseName"/> (the resource and
    /// its <c>ConnectionStrings:</c> key): Aspire's container with a data volume, or the Debian PostgreSQL binaries with
    /// a cluster initialised once in the project's data folder, run as the postgres user. Both healthy when they
    /// accept a login.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddTaskFlowPostgres(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName, InfrastructureMode mode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (mode == InfrastructureMode.Containers)
        {
            return builder.AddPostgres(serverName)
                .WithDataVolume()
                .WithInfrastructureMode(mode)
                .AddDatabase(databaseName);
        }

        var bin = LocalServers.PostgresBinDirectory();
        var asPostgres = LocalServers.AsPostgres();
        var data = PostgresDataDirectory.Choose(Path.Combine(LocalServers.DataDirectory(builder), serverName), asPostgres);
        var password = LocalServers.ServerPassword(builder, serverName, data);
        var cluster = Path.Combine(data, "pgdata");
        var postgres = Path.Combine(bin, "postgres");
        // sh -c SCRIPT postgres setpriv [--reuid=postgres ...] postgres ARGS: a stop is a fast shutdown.
        var (command, prefix) = PostgresStopSignal.Command(asPostgres, postgres);
        var server = new PostgresExecutableResource(serverName, command, data, password);
        var database = new PostgresExecutableDatabaseResource(databaseName, databaseName, server);

        var serverConnection = builder.ConnectionStringOnceAvailable(server);
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => serverConnection() + ";Database=postgres", name: $"{serverName}_check");
        var databaseConnection = builder.ConnectionStringOnceAvailable(database);
        builder.Services.AddHealthChecks().AddNpgSql(_ => databaseConnection(), name: $"{databaseName}_check");

        builder.AddResource(server)
            .WithDirectEndpoint()
            .WithIconName("DatabaseMultiple")
            .OnBeforeResourceStarted(async (resource, _, ct) =>
                await PostgresDataDirectory.InitializeAsync(data, cluster, bin, asPostgres,
                    await resource.PasswordParameter.GetValueAsync(ct).ConfigureAwait(false) ?? "", ct).ConfigureAwait(false))
            .WithArgs(context =>
            {
                foreach (var argument in prefix)
                {
                    context.Args.Add(argument);
                }

                // Loopback only; the Unix socket in the data folder, clear of /var/run/postgresql.
                context.Args.Add("-D");
                context.Args.Add(cluster);
                context.Args.Add("-h");
                context.Args.Add("127.0.0.1");
                context.Args.Add("-k");
                context.Args.Add(data);
                context.Args.Add("-p");
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck($"{serverName}_check")
            .WithInfrastructureMode(mode)
            .OnResourceReady(async (resource, e, ct) =>
            {
                await CreateDatabaseAsync(serverConnection(), database.DatabaseName, ct).ConfigureAwait(false);
                // A child of an executable gets no state from Aspire (only a container's children follow their
                // parent), so the database says itself that it runs; its own health check then says it is usable.
                await e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false);
            });

        return builder.AddResource(database)
            .WithIconName("Database")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new(CustomResourceKnownProperties.Source, databaseName)],
            })
            .WithHealthCheck($"{databaseName}_check");
    }

    private static async Task CreateDatabaseAsync(string serverConnectionString, string databaseName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString + ";Database=postgres");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Asked first: a CREATE that fails because the database exists (every start after the first, every restart of
        // the server) is logged by PostgreSQL as an ERROR in the dashboard's console log of postgres.
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", databaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {new NpgsqlCommandBuilder().QuoteIdentifier(databaseName)}";
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created meanwhile by someone else.
        }
    }
}
