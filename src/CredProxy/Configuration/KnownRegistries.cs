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

    /// <summary>
    /// Whether two registry names are the same registry: <c>host:443</c> and <c>host</c> are (https's port).
    /// GitLab names dependency proxy images <c>gitlab.example.com:443/group/dependency_proxy/containers/...</c>,
    /// the executor sends that registry part unchanged as <c>ns=</c>, and users also write it without the port.
    /// (A plain-http registry on port 443 is not told apart from one on port 80 by name.)
    /// </summary>
    public static bool SameRegistry(string a, string b) =>
        string.Equals(WithoutHttpsPort(NormalizeHost(a)), WithoutHttpsPort(NormalizeHost(b)), StringComparison.Ordinal);

    private static string WithoutHttpsPort(string host) => host.EndsWith(":443", StringComparison.Ordinal) ? host[..^4] : host;

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
