namespace Kaniko.Executor.Registry;

/// <summary>How the executor reaches registries (kaniko's registry flags plus the credential proxy).</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Hosts (with port, as in the image reference) reached over plain http (<c>--insecure-registry</c>).</summary>
    public IReadOnlySet<string> InsecureRegistries { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Plain http for every registry (<c>--insecure</c>).</summary>
    public bool AllInsecure { get; init; }

    /// <summary>Accept any TLS certificate (<c>--skip-tls-verify</c>).</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary>Accept any TLS certificate from these registries (host[:port]; <c>--skip-tls-verify-registry</c>).</summary>
    public IReadOnlySet<string> SkipTlsVerifyRegistries { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// When set, all registry traffic goes to this base URL with <c>?ns=&lt;registry host&gt;</c> appended
    /// (the containerd mirror convention); image names stay the real ones.
    /// </summary>
    public Uri? RegistryProxy { get; init; }

    /// <summary>Sent as header <c>Kaniko-Push-Token</c> on POST, PUT, PATCH and DELETE when set.</summary>
    public string? PushToken { get; init; }

    /// <summary>Retries after the first attempt on 5xx, 429 and connection errors, with exponential backoff.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>The first backoff delay; it doubles on each retry (capped at <see cref="MaxRetryDelay"/>).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between attempts, also for a registry's Retry-After.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed to open a connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed between a request without a large body and its response headers.</summary>
    public TimeSpan ResponseHeadersTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A blob transfer that moves no byte for this long is aborted (and retried or resumed).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Treat a registry's refusal to overwrite an immutable tag as success (<c>--push-ignore-immutable-tag-errors</c>).</summary>
    public bool PushIgnoreImmutableTagErrors { get; init; }

    /// <summary>Optional credentials for use without the proxy (basic or bearer challenge); null means anonymous.</summary>
    public ICredentialSource? Credentials { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal bool IsInsecure(string registry) => AllInsecure || InsecureRegistries.Contains(registry);
}
