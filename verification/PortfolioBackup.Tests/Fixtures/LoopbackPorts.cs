using System.Net;
using System.Net.Sockets;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>Ports on the loopback interface for tests of endpoints that do not answer.</summary>
public static class LoopbackPorts
{
    /// <summary>A port nothing listens on: one the kernel just handed out and that was closed again, so connecting is refused.</summary>
    public static int Closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
