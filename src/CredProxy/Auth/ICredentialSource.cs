using Kaniko.CredProxy.Configuration;

namespace Kaniko.CredProxy.Auth;

/// <summary>Supplies an upstream's credentials when needed; null means anonymous.</summary>
public interface ICredentialSource
{
    /// <param name="challenge">The registry's challenge (a pinned realm), when it uses token auth.</param>
    ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken);
}

/// <summary>Credentials fixed at start (environment, config file, docker config <c>auths</c>).</summary>
public sealed class StaticCredentialSource(RegistryCredential? credential) : ICredentialSource
{
    public ValueTask<RegistryCredential?> GetAsync(Challenge? challenge, CancellationToken cancellationToken) => ValueTask.FromResult(credential);
}
