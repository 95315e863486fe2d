using Kaniko.CredProxy.Policy;

namespace Kaniko.CredProxy.Configuration;

/// <summary>One upstream registry the proxy may forward to.</summary>
public sealed record UpstreamOptions
{
    /// <summary>Registry host as clients name it (the <c>ns=</c> value), e.g. <c>registry.gitlab.com</c> or <c>127.0.0.1:5000</c>.</summary>
    public required string Host { get; init; }

    /// <summary>Origin the proxy talks to: scheme, host and port, no path.</summary>
    public required Uri Endpoint { get; init; }

    public RegistryCredential? Credential { get; init; }

    /// <summary>Full path of a docker credential helper to ask instead (docker config <c>credHelpers</c>/<c>credsStore</c>).</summary>
    public string? CredentialHelper { get; init; }

    /// <summary>The server name the helper is asked about (as keyed in the docker config).</summary>
    public string? CredentialHelperServer { get; init; }

    /// <summary>Google credentials file (service account key or workload identity federation config).</summary>
    public string? GoogleCredentialsFile { get; init; }

    /// <summary>Google credentials from the metadata server (the workload's service account).</summary>
    public bool GoogleMetadata { get; init; }

    /// <summary>Entra ID application for Azure Container Registry.</summary>
    public AzureIdentity? Azure { get; init; }

    /// <summary>AWS keys for Amazon ECR.</summary>
    public AwsIdentity? Aws { get; init; }

    public bool HasCredentials => Credential is not null || CredentialHelper is not null || GoogleCredentialsFile is not null || GoogleMetadata || Azure is not null || Aws is not null;

    /// <summary>Skip TLS certificate verification (https endpoints only).</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary>Hosts a token realm may point at; the registry's own host is always allowed.</summary>
    public IReadOnlyList<string> RealmHosts { get; init; } = [];

    /// <summary>Repositories that may be pulled; empty means any.</summary>
    public IReadOnlyList<RepositoryPattern> Pull { get; init; } = [];

    /// <summary>Repositories that may be pushed to; null means any (logged as a warning at start).</summary>
    public IReadOnlyList<RepositoryPattern>? Push { get; init; }

    /// <summary>The setting that chose http or https (e.g. <c>CREDPROXY_REGISTRY_1_INSECURE</c>), for messages.</summary>
    public string? SchemeSetting { get; init; }

    /// <summary>The setting that turns certificate checks off, for messages.</summary>
    public string? SkipTlsVerifySetting { get; init; }

    /// <summary>The setting the push allow-list came from (e.g. <c>CI_REGISTRY_IMAGE</c>), for messages.</summary>
    public string? PushSetting { get; init; }

    /// <summary>Optional extra listener (ip:port) bound to this upstream alone, for clients that cannot send <c>ns=</c>.</summary>
    public string? Listen { get; init; }

    /// <summary>Where this upstream was configured (config key or environment variable prefix), for messages.</summary>
    public string Source { get; init; } = "config";
}
