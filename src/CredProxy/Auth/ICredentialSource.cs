using Kaniko.CredProxy.Configuration;

namespace Kaniko.CredProxy.Auth;

/// <summary>Supplies an upstream's credentials when needed; null means anonymous.</summary>
public interface ICredentialSource
{
    ValueTask<RegistryCredential?> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Credentials fixed at start (environment, config file, docker config <c>auths</c>).</summary>
public sealed class StaticCredentialSource(RegistryCredential? credential) : ICredentialSource
{
    public ValueTask<RegistryCredential?> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credential);
}
