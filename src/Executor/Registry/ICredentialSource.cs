namespace Kaniko.Executor.Registry;

/// <summary>Supplies credentials for a registry host, for use without the credential proxy.</summary>
public interface ICredentialSource
{
    /// <summary>The credential for <paramref name="registry"/> (host[:port] as in the image reference), or null for anonymous.</summary>
    ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken);
}

/// <summary>A user name and password (or token used as password), or an identity token for the token endpoint.</summary>
public sealed record RegistryCredential(string? Username, string? Password)
{
    /// <summary>An OAuth2 refresh token (docker config's <c>identitytoken</c>), used at the token endpoint instead of a password.</summary>
    public string? IdentityToken { get; init; }

    /// <summary>A ready bearer token for the registry itself (docker config's <c>registrytoken</c>).</summary>
    public string? RegistryToken { get; init; }

    public override string ToString() => $"RegistryCredential {{ Username = {Username}, secrets hidden }}";
}

/// <summary>Fixed credentials per registry host, e.g. from the command line or tests.</summary>
public sealed class StaticCredentialSource(IReadOnlyDictionary<string, RegistryCredential> credentials) : ICredentialSource
{
    public ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult(credentials.TryGetValue(registry, out var credential) ? credential : null);
}
