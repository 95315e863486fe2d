using System.Net;
using System.Net.Sockets;

namespace Kaniko.TestKit;

/// <summary>Free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    /// <summary>
    /// A port the kernel just handed out and released. Another process may take it before the caller
    /// binds it: callers that start servers retry on bind failure.
    /// </summary>
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
