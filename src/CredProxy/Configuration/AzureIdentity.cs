namespace Kaniko.CredProxy.Configuration;

/// <summary>An Entra ID application for ACR: a client secret or a federated token file (workload identity).</summary>
public sealed record AzureIdentity
{
    public static readonly Uri PublicCloud = new("https://login.microsoftonline.com/");

    public required string TenantId { get; init; }

    public required string ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? FederatedTokenFile { get; init; }

    public Uri AuthorityHost { get; init; } = PublicCloud;

    public override string ToString() => $"AzureIdentity {{ TenantId = {TenantId}, ClientId = {ClientId}, secret [redacted] }}";
}
