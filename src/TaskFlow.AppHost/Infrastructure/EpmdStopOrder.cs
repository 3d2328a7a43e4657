namespace TaskFlow.AppHost.Infrastructure;

/// <summary>
/// The command line of executable mode's epmd, which lets RabbitMQ leave before epmd stops. The AppHost's shutdown
/// stops both at once; RabbitMQ takes about a second, and its epmd monitor, checking once a minute, found epmd gone in
/// that second now and then and started an <c>epmd -daemon</c> of its own, which outlived the AppHost.
/// </summary>
/// <remarks>
/// A shell stands between DCP and epmd. On SIGTERM it waits until no node is registered any more (at most 5 s, within
/// the 6 s DCP gives a stop), then stops epmd. It exits with epmd's exit code, so epmd killed with -9 is still a crash
/// of the process DCP watches, and the AppHost starts it again; epmd gets SIGTERM if the shell dies (its parent-death
/// signal), so it cannot outlive it either.
/// </remarks>
internal static class EpmdStopOrder
{
    /// <summary>
    /// POSIX sh. A trapped signal ends `wait` early (status above 128) while epmd is still running or stopping: the
    /// shell waits again until it is gone.
    /// </summary>
    private const string Script = """
        epmd="$1"
        port="$2"
        shift 2
        "$@" &
        server=$!
        trap 'i=0; while [ "$i" -lt 50 ] && "$epmd" -port "$port" -names 2>/dev/null | grep -q "^name "; do sleep 0.1; i=$((i + 1)); done; kill "$server" 2>/dev/null' TERM INT
        wait "$server"
        status=$?
        while [ "$status" -gt 128 ] && kill -0 "$server" 2>/dev/null; do
          wait "$server"
          status=$?
        done
        exit "$status"
        """;

    /// <summary>The executable and arguments that run <paramref name="epmd"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    public static (string Command, string[] Arguments) Command(string epmd, string port)
    {
        var setpriv = LocalServers.FindOnPath("setpriv");
        string[] server = setpriv is null ? [epmd] : [setpriv, "--pdeathsig=TERM", epmd];
        return ("/bin/sh", ["-c", Script, "epmd", epmd, port, .. server, "-port", port, "-address", "127.0.0.1"]);
    }
}
