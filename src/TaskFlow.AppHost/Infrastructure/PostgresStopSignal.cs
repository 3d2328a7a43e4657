namespace TaskFlow.AppHost.Infrastructure;

/// <summary>
/// The command line that makes every stop of executable mode's PostgreSQL a fast shutdown. DCP stops an executable with
/// SIGTERM and kills it about 6 s later, and Aspire 13.6 has no setting for another signal. PostgreSQL takes SIGTERM as
/// a smart shutdown, which waits for every client to disconnect; the services' pooled connections never do, so every
/// stop (the dashboard's Stop, Ctrl-C of the AppHost) ended in SIGKILL and the next start in crash recovery.
/// </summary>
/// <remarks>
/// A shell (<see cref="ServerShell"/>) stands between DCP and PostgreSQL and turns SIGTERM into SIGINT, PostgreSQL's
/// fast shutdown (clients disconnected, a checkpoint, exit). PostgreSQL is started with SIGINT as its
/// parent-death signal, so it cannot outlive that shell either (kill -9 of the pid the dashboard shows).
/// </remarks>
internal static class PostgresStopSignal
{
    private static readonly string Script = ServerShell.Script(onStop: "kill -INT \"$server\" 2>/dev/null");

    /// <summary>The executable and arguments that run <paramref name="postgres"/> (as the postgres user when <paramref name="asPostgres"/> says how).</summary>
    /// <param name="asPostgres"><see cref="LocalServers.AsPostgres"/>: setpriv and its options as root, else empty.</param>
    public static (string Command, string[] Arguments) Command(string[] asPostgres, string postgres)
    {
        // setpriv sets the parent-death signal after changing user (a change of user clears it) and execs in place.
        // Without it (not root, no util-linux: not Linux) PostgreSQL runs under the shell without that guard.
        var setpriv = asPostgres.Length > 0 ? asPostgres[0] : LocalServers.FindOnPath("setpriv");
        string[] server = setpriv is null ? [postgres] : [setpriv, "--pdeathsig=INT", .. asPostgres.Skip(1), postgres];
        return ("/bin/sh", ["-c", Script, "postgres", .. server]);
    }
}
