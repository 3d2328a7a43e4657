namespace TaskFlow.AppHost.Infrastructure;

/// <summary>
/// The command line of executable mode's epmd, which lets RabbitMQ leave before epmd stops. The AppHost's shutdown
/// stops both at once; RabbitMQ takes about a second, and its epmd monitor, checking once a minute, found epmd gone in
/// that second now and then and started an <c>epmd -daemon</c> of its own, which outlived the AppHost.
/// </summary>
/// <remarks>
/// A shell (<see cref="ServerShell"/>) stands between DCP and epmd. On SIGTERM it waits until no node is registered
/// any more (at most 5 s, within the 6 s DCP gives a stop), then stops epmd. epmd gets SIGTERM if the shell dies (its
/// parent-death signal), so it cannot outlive it either.
/// </remarks>
internal static class EpmdStopOrder
{
    // Its first two arguments are epmd's path and port, for asking it which nodes are still registered.
    private static readonly string Script = ServerShell.Script(
        prelude: "epmd=\"$1\"; port=\"$2\"; shift 2",
        onStop: "i=0; while [ \"$i\" -lt 50 ] && \"$epmd\" -port \"$port\" -names 2>/dev/null | grep -q \"^name \"; do sleep 0.1; i=$((i + 1)); done; kill \"$server\" 2>/dev/null");

    /// <summary>The executable and arguments that run <paramref name="epmd"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    public static (string Command, string[] Arguments) Command(string epmd, string port)
    {
        var setpriv = LocalServers.FindOnPath("setpriv");
        string[] server = setpriv is null ? [epmd] : [setpriv, "--pdeathsig=TERM", epmd];
        return ("/bin/sh", ["-c", Script, "epmd", epmd, port, .. server, "-port", port, "-address", "127.0.0.1"]);
    }
}
