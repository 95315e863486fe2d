using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Policy;

namespace Kaniko.CredProxy.Routing;

/// <summary>What the proxy decided about one forwarded request; travels with the upstream request to the auth handler.</summary>
public sealed class ForwardContext(UpstreamOptions upstream, RegistryPath path, IReadOnlyList<Scope> scopes, string? nsQueryValue)
{
    public static readonly HttpRequestOptionsKey<ForwardContext> Key = new("credproxy.forward");

    public UpstreamOptions Upstream { get; } = upstream;

    public RegistryPath Path { get; } = path;

    public IReadOnlyList<Scope> Scopes { get; } = scopes;

    /// <summary>The <c>ns=</c> value exactly as the client sent it (still escaped), or null on a bound listener.</summary>
    public string? NsQueryValue { get; } = nsQueryValue;

    /// <summary>Set by the auth handler when it answered for the upstream (realm refused, token endpoint failed).</summary>
    public string? AuthFailure { get; set; }

    /// <summary>The scopes last asked for, including any a challenge added.</summary>
    public IReadOnlyList<Scope> RequestedScopes { get; set; } = scopes;
}
