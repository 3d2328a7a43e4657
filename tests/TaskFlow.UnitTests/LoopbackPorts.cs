using System.Net;
using System.Net.Sockets;

namespace TaskFlow.UnitTests;

/// <summary>Loopback ports for tests that need one nothing listens on (to start a server there, or to be refused).</summary>
internal static class LoopbackPorts
{
    /// <summary>A port the system just handed out and took back: free now, closed until someone binds it.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
