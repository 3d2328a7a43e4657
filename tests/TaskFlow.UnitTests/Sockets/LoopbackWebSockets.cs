using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace TaskFlow.UnitTests.Sockets;

/// <summary>Two real WebSockets, server and client, over a loopback TCP connection: the protocol's own framing, no fake.</summary>
internal static class LoopbackWebSockets
{
    public static async Task<(WebSocket Server, WebSocket Client)> ConnectedPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connecting = new TcpClient();
        await connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var accepted = await listener.AcceptTcpClientAsync();
        var server = WebSocket.CreateFromStream(accepted.GetStream(), isServer: true, subProtocol: null, keepAliveInterval: Timeout.InfiniteTimeSpan);
        var client = WebSocket.CreateFromStream(connecting.GetStream(), isServer: false, subProtocol: null, keepAliveInterval: Timeout.InfiniteTimeSpan);
        return (server, client);
    }
}
