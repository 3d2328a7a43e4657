using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using StackExchange.Redis;
using TaskFlow.Tests.AppHost;
using TaskFlow.Tests.Support;
using Xunit.Abstractions;

namespace TaskFlow.Tests.Deployment;

/// <summary>
/// What Kubernetes' migration Job and Database__Migrations=Wait do (deploy/k8s), with the built Web service against
/// the stack's real PostgreSQL, in databases of the test's own: a replica that waits serves nothing until the schema is
/// migrated, `--migrate` migrates and exits, and running it again changes nothing.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MigrationJobTests(TaskFlowStack stack, ITestOutputHelper output)
{
    private static readonly string WebDll = Path.GetFullPath(Path.Combine(AppHostProcess.ProjectDirectory, "..", "TaskFlow.Web", "bin", "Release", "net10.0", "TaskFlow.Web.dll"));

    /// <summary>How EF Core logs a statement PostgreSQL refused.</summary>
    private const string FailedCommand = "Failed executing DbCommand";

    [Fact]
    public async Task A_waiting_replica_serves_once_the_migration_job_has_run_and_the_job_can_run_again()
    {
        var database = await CreateDatabaseAsync();
        using var replica = Start(database, "--Database:Migrations=Wait");
        var port = replica.Port;
        var jobs = new List<(string Name, int ExitCode, string Output)>();
        try
        {
            // Waiting: nothing listens, the log says what it waits for, and no table appears.
            await Eventually.GetAsync(() => Task.FromResult(replica.Output.Contains("Waiting for the migration job", StringComparison.Ordinal) ? (object?)true : null),
                TimeSpan.FromSeconds(120), "the replica to say it waits for the migration job");
            // By its own log, not by probing the port: the port is free while the replica waits, and on a busy machine
            // another test's service may be given it meanwhile.
            Assert.DoesNotContain(replica.Listening, replica.Output, StringComparison.Ordinal);
            Assert.Equal(0, await MigrationsAppliedAsync(database));
            // Waiting is normal, not an error: no round asks PostgreSQL for a table that is not there yet.
            Assert.DoesNotContain(FailedCommand, replica.Output, StringComparison.Ordinal);

            var job = await RunToEndAsync(database, "--migrate");
            jobs.Add(("--migrate", job.ExitCode, job.Output));
            Assert.True(job.ExitCode == 0, $"--migrate exited with {job.ExitCode}:\n{job.Output}");
            Assert.Contains("Database schema for IdentityDb is up to date", job.Output, StringComparison.Ordinal);
            // A first migration on an empty database logs no failed statement either (EF Core's own probe would).
            Assert.DoesNotContain(FailedCommand, job.Output, StringComparison.Ordinal);
            var applied = await MigrationsAppliedAsync(database);
            Assert.True(applied > 0);

            // The replica notices within its retry interval and starts serving.
            await Eventually.GetAsync(async () => replica.Output.Contains(replica.Listening, StringComparison.Ordinal) && await AnswersAsync(port) ? (object?)true : null,
                TimeSpan.FromSeconds(120), "the waiting replica to serve");

            var again = await RunToEndAsync(database, "--migrate");
            jobs.Add(("second --migrate", again.ExitCode, again.Output));
            Assert.True(again.ExitCode == 0, $"a second --migrate exited with {again.ExitCode}:\n{again.Output}");
            Assert.Equal(applied, await MigrationsAppliedAsync(database));
        }
        finally
        {
            // Every process's lines carry the time they were read, so a failure shows what each was doing meanwhile.
            output.WriteLine($"--- the waiting replica (port {port}) ---\n{replica.Output}");
            foreach (var (name, exitCode, text) in jobs)
            {
                output.WriteLine($"--- {name}, exit code {exitCode} ---\n{text}");
            }
        }
    }

    [Fact]
    public async Task The_migration_job_fails_with_a_reason_when_the_database_refuses_it()
    {
        var refused = new NpgsqlConnectionStringBuilder(stack.Postgres.ConnectionString) { Password = "not-the-password", Database = "taskflowdb" }.ConnectionString;

        var job = await RunToEndAsync(refused, "--migrate");

        Assert.Equal(1, job.ExitCode);
        Assert.Contains("Migrating failed", job.Output, StringComparison.Ordinal);
        Assert.Contains("28P01", job.Output, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__taskflowdb", job.Output, StringComparison.Ordinal);
    }

    private sealed class ServiceProcess(Process process, int port) : IDisposable
    {
        private readonly System.Text.StringBuilder _output = new();

        public int Port => port;

        /// <summary>What the service logs once Kestrel listens on its port.</summary>
        public string Listening => $"Now listening on: http://127.0.0.1:{port}";

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Capture()
        {
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public async Task<int> WaitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"The service did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
            }
            process.WaitForExit();
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.Append(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} ").AppendLine(line);
                }
            }
        }
    }

    private ServiceProcess Start(string database, params string[] arguments)
    {
        Assert.True(File.Exists(WebDll), $"{WebDll} is not built.");
        var port = AppHostProcess.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(WebDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__taskflowdb"] = database;
        // A Redis database of its own: this Web must not add a Data Protection key or sessions to the stack's.
        start.Environment["ConnectionStrings__redis"] = WithRedisDatabase(stack.Redis.ConnectionString, 7);
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        var process = new ServiceProcess(Process.Start(start)!, port);
        process.Capture();
        return process;
    }

    private async Task<(int ExitCode, string Output)> RunToEndAsync(string database, params string[] arguments)
    {
        using var process = Start(database, arguments);
        // About 10 s alone; on a slow 2-core machine busy with the rest of the suite, one took over 90 s.
        var exitCode = await process.WaitAsync(TimeSpan.FromSeconds(240));
        return (exitCode, process.Output);
    }

    private async Task<string> CreateDatabaseAsync()
    {
        var name = $"migrate_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(stack.Postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(stack.Postgres.ConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<long> MigrationsAppliedAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('identity.\"__EFMigrationsHistory\"') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync())!)
            {
                return 0;
            }
        }
        await using var count = new NpgsqlCommand("SELECT count(*) FROM identity.\"__EFMigrationsHistory\"", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/alive"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The stack's Redis, another database of it.</summary>
    private static string WithRedisDatabase(string configuration, int database)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.DefaultDatabase = database;
        return options.ToString(includePassword: true);
    }
}
