namespace TaskFlow.AppHost.Infrastructure;

/// <summary>
/// A POSIX shell between DCP and a local server, for servers that must be stopped otherwise than DCP's SIGTERM does
/// (see <see cref="PostgresStopSignal"/> and <see cref="EpmdStopOrder"/>). The server runs in the background so that the
/// shell can take signals, and the shell exits with the server's exit code, so a server killed with -9 is still a crash
/// of the process DCP watches, and the AppHost starts it again.
/// </summary>
internal static class ServerShell
{
    /// <summary>
    /// The script; the server's command line is its arguments. <paramref name="onStop"/> runs on SIGTERM or SIGINT with
    /// the server's pid in <c>$server</c>. A trapped signal ends <c>wait</c> early (status above 128) while the server is
    /// still shutting down: the shell waits again until it is gone.
    /// </summary>
    /// <param name="prelude">Commands run first, e.g. taking the script's own arguments off the server's.</param>
    public static string Script(string onStop, string prelude = "") => $"""
        {prelude}
        "$@" &
        server=$!
        trap '{onStop}' TERM INT
        wait "$server"
        status=$?
        while [ "$status" -gt 128 ] && kill -0 "$server" 2>/dev/null; do
          wait "$server"
          status=$?
        done
        exit "$status"
        """;
}
