namespace TaskFlow.LocalInfra;

/// <summary>How to start one local server (Redis, PostgreSQL or RabbitMQ).</summary>
public sealed record InfraOptions
{
    /// <summary>This server's own folder: data, its HOME and pid files live here. Created when missing; kept between runs.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Loopback port to listen on; 0 picks a free one (kept across restarts of the same instance).</summary>
    public int Port { get; init; }

    /// <summary>
    /// True: Redis appends every write to its AOF, PostgreSQL fsyncs (for tests that restart a server and expect its data
    /// back). False: no AOF, PostgreSQL with fsync, synchronous_commit and full_page_writes off (fast, survives a clean
    /// stop but not a power cut).
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>Where the server's stdout/stderr is appended; default <c>DataDirectory/NAME.log</c>.</summary>
    public string? LogFile { get; init; }

    /// <summary>How long to wait for the server to answer; default depends on the server (Redis 20 s, PostgreSQL 60 s, RabbitMQ 90 s).</summary>
    public TimeSpan? StartTimeout { get; init; }

    /// <summary>Delete <see cref="DataDirectory"/> when the server is disposed (tests).</summary>
    public bool DeleteDataOnDispose { get; init; }

    /// <summary>
    /// Options for a test: a fresh folder under the temp directory (traversable by the postgres user), a free port,
    /// deleted on dispose.
    /// </summary>
    public static InfraOptions ForTests(string name, bool durable = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var root = Path.Combine(Path.GetTempPath(), "taskflow-infra");
        var dir = Path.Combine(root, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)]);
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            // PostgreSQL runs as the postgres user when we are root: it must be able to reach the folder.
            const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            try
            {
                File.SetUnixFileMode(root, open | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.StickyBit);
            }
            catch (UnauthorizedAccessException)
            {
                // Another user created the shared root (already world-writable and sticky).
            }

            File.SetUnixFileMode(dir, open);
        }

        return new InfraOptions { DataDirectory = dir, Durable = durable, DeleteDataOnDispose = true };
    }
}
