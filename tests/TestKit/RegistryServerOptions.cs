namespace Kaniko.TestKit;

/// <summary>How <see cref="RegistryServer.StartAsync(RegistryServerOptions, CancellationToken)"/> sets up a registry.</summary>
public sealed record RegistryServerOptions
{
    public RegistryAuthMode Mode { get; init; } = RegistryAuthMode.Plain;

    /// <summary>The user accepted in Htpasswd and Token modes.</summary>
    public string Username { get; init; } = "tester";

    /// <summary>Null: a random password is chosen.</summary>
    public string? Password { get; init; }

    /// <summary>More accepted users (name to password) in Htpasswd and Token modes.</summary>
    public IReadOnlyDictionary<string, string> AdditionalUsers { get; init; } = new Dictionary<string, string>();

    /// <summary>Log every request (see <see cref="RegistryServer.Requests"/>); off by default.</summary>
    public bool AccessLog { get; init; }

    /// <summary>Token mode: which of the requested scopes a token grants.</summary>
    public TokenPolicy TokenPolicy { get; init; } = TokenPolicies.AuthenticatedFullAccess;

    /// <summary>Token mode: the registry's <c>service</c> (and the tokens' <c>aud</c>).</summary>
    public string Service { get; init; } = "testbed-registry";

    /// <summary>Token mode: the tokens' <c>iss</c>.</summary>
    public string Issuer { get; init; } = "testbed-token-issuer";

    /// <summary>Token mode: lifetime of issued tokens (<c>exp</c> - <c>iat</c>).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Serve HTTPS with a fresh self-signed certificate (SAN localhost and 127.0.0.1); see
    /// <see cref="RegistryServer.CertificatePath"/>.
    /// </summary>
    public bool Tls { get; init; }
}
