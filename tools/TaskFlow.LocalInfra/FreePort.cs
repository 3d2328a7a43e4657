using System.Net;
using System.Net.Sockets;

namespace TaskFlow.LocalInfra;

/// <summary>Loopback TCP ports.</summary>
public static class FreePort
{
    private static readonly Lock s_gate = new();
    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>
    /// A port that is free on 127.0.0.1 right now (the OS picks it). Never returns the same port twice in
    /// one process, so callers that ask for several ports before binding any of them get distinct ones.
    /// </summary>
    public static int Get()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (s_gate)
            {
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InfraException("Could not find a free loopback port.");
    }

    /// <summary>True when nothing listens on 127.0.0.1:<paramref name="port"/> (we can bind it).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Waits until nothing listens on the port any more (after a server stopped).</summary>
    public static async Task<bool> WaitFreeAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsFree(port))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
