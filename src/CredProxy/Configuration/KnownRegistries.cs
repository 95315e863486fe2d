namespace Kaniko.CredProxy.Configuration;

/// <summary>Registries whose API host or token realm differs from the name clients use (Docker Hub).</summary>
internal static class KnownRegistries
{
    public const string DockerHub = "docker.io";

    public static string NormalizeHost(string host)
    {
        host = host.Trim().ToLowerInvariant();
        return host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? DockerHub : host;
    }

    /// <summary>A docker config key (<c>https://index.docker.io/v1/</c>, <c>host:port</c>, <c>http://host/</c>) as a registry host.</summary>
    public static string HostFromServerKey(string key)
    {
        var text = key.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var slash = text.IndexOf('/');
        return NormalizeHost(slash >= 0 ? text[..slash] : text);
    }

    public static Uri? DefaultEndpoint(string host) => host == DockerHub ? new Uri("https://registry-1.docker.io") : null;

    public static IReadOnlyList<string> DefaultRealmHosts(string host) => host == DockerHub ? ["auth.docker.io"] : [];
}
