namespace Kaniko.CredProxy.Configuration;

/// <summary>
/// An Entra ID identity for ACR: an application with a client secret, a client certificate or a federated
/// token file (workload identity), or a managed identity (IMDS or the hosting platform's endpoint).
/// </summary>
public sealed record AzureIdentity
{
    public static readonly Uri PublicCloud = new("https://login.microsoftonline.com/");

    public const string SystemAssigned = "system";

    /// <summary>Required for an application; optional for a managed identity (then not sent to the ACR exchange).</summary>
    public string? TenantId { get; init; }

    /// <summary>The application's client id; null for a managed identity.</summary>
    public string? ClientId { get; init; }

    /// <summary><see cref="SystemAssigned"/>, or the client id of a user-assigned managed identity; null for an application.</summary>
    public string? ManagedIdentity { get; init; }

    /// <summary>Names the identity in logs, never a secret.</summary>
    public string Describe() => ManagedIdentity is null ? ClientId! : "managed identity " + ManagedIdentity;

    public string? ClientSecret { get; init; }

    public string? FederatedTokenFile { get; init; }

    /// <summary>PEM (certificate and private key) or PFX file; checked at start, loaded once when the proxy starts.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>Password of a PFX or of an encrypted PEM private key.</summary>
    public string? ClientCertificatePassword { get; init; }

    public Uri AuthorityHost { get; init; } = PublicCloud;

    public override string ToString() => $"AzureIdentity {{ TenantId = {TenantId}, {Describe()}, secret [redacted] }}";
}
