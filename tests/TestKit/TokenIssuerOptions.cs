namespace Kaniko.TestKit;

public sealed record TokenIssuerOptions
{
    /// <summary>Accepted users: name to password.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    public TokenPolicy Policy { get; init; } = TokenPolicies.AuthenticatedFullAccess;

    /// <summary>The default <c>aud</c> when a request names no <c>service</c>.</summary>
    public string Service { get; init; } = "testbed-registry";

    public string Issuer { get; init; } = "testbed-token-issuer";

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Folder for the signer certificate (<c>signer.crt</c>); must exist.</summary>
    public required string Directory { get; init; }
}
