using System.Net;

namespace Kaniko.CredProxy.Configuration;

/// <summary>An ip:port to listen on; <c>localhost</c> means 127.0.0.1.</summary>
public static class ListenAddress
{
    public static bool TryParse(string text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        text = text.Trim();
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        if (!IPEndPoint.TryParse(text, out var parsed) || !text.Contains(':') || (parsed.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.StartsWith('[')))
        {
            return false;
        }

        endpoint = parsed;
        return true;
    }
}
