namespace Kaniko.CredProxy.Configuration;

/// <summary>The whole, validated proxy configuration.</summary>
public sealed record ProxyOptions
{
    /// <summary>Main listener, ip:port; port 0 picks a free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:5080";

    /// <summary>
    /// Optional listener (ip:port) that serves <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> only, never the
    /// registry API; it may be on any address. Without it, <c>/metrics</c> is served on the main listener.
    /// </summary>
    public string? MetricsListen { get; init; }

    /// <summary>Allow a listener on a non-loopback address.</summary>
    public bool AllowNonLoopback { get; init; }

    /// <summary>Require <c>Kaniko-Push-Token</c> on write requests.</summary>
    public bool RequirePushToken { get; init; } = true;

    /// <summary>Upstream host used when a request carries no <c>ns=</c>.</summary>
    public string? DefaultUpstream { get; init; }

    public IReadOnlyList<UpstreamOptions> Upstreams { get; init; } = [];

    public bool JsonLogs { get; init; }

    /// <summary>How long to wait for in-flight requests at shutdown.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The upstream for requests without <c>ns=</c>: the configured default, else the only upstream.</summary>
    public UpstreamOptions? DefaultUpstreamOptions =>
        DefaultUpstream is not null ? FindUpstream(DefaultUpstream) : Upstreams.Count == 1 ? Upstreams[0] : null;

    /// <summary>The upstream a client's registry name (<c>ns=</c>, an image's host) means; <c>host:443</c> is <c>host</c>.</summary>
    public UpstreamOptions? FindUpstream(string host)
    {
        foreach (var upstream in Upstreams)
        {
            if (KnownRegistries.SameRegistry(upstream.Host, host))
            {
                return upstream;
            }
        }

        return null;
    }
}
