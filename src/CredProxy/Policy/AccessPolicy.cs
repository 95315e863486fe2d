using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy.Policy;

/// <summary>
/// Decides whether a registry request may pass and predicts the token scopes it needs
/// (pull; pull,push for uploads and manifest PUTs; pull on a mount's source).
/// </summary>
/// <remarks>
/// A push must be inside the registry's configured push allow-list and, when the build declared its
/// repositories with the push capability, among those. Repositories that may be pushed to may also be pulled.
/// </remarks>
public static class AccessPolicy
{
    /// <param name="declared">The repositories the build declared with its push capability; null when none were declared or the capability is not required.</param>
    public static AccessDecision Decide(UpstreamOptions upstream, string method, RegistryPath path, string? mountFrom, bool isMount, PushDeclaration? declared = null)
    {
        // Deleting blobs or manifests is never the build's business; cancelling its own upload session is
        // part of pushing (and needs the push token like any other write).
        if (HttpMethods.IsDelete(method) && path.Resource != RegistryResource.Upload)
        {
            return AccessDecision.Refuse("DELETE is not allowed through the proxy");
        }

        switch (path.Resource)
        {
            case RegistryResource.Catalog:
                return AccessDecision.Refuse("_catalog is not allowed through the proxy");
            case RegistryResource.Unknown:
                return AccessDecision.Refuse("not a registry API path the proxy forwards");
        }

        var repository = path.Repository!;
        var isRead = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        var isPush = path.Resource switch
        {
            RegistryResource.Manifest when HttpMethods.IsPut(method) => true,
            RegistryResource.UploadStart when HttpMethods.IsPost(method) => true,
            RegistryResource.Upload when HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method) || isRead => true,
            _ when isRead && path.Resource != RegistryResource.UploadStart => false,
            _ => (bool?)null,
        };
        if (isPush is null)
        {
            return AccessDecision.Refuse($"{method} on this path is not allowed through the proxy");
        }

        if (isPush.Value)
        {
            if (upstream.Push is not null && !RepositoryPattern.AnyMatches(upstream.Push, repository))
            {
                return AccessDecision.Refuse($"pushing to {upstream.Host}/{repository} is not allowed by the push allow-list");
            }

            if (declared is not null && !declared.Allows(upstream.Host, repository))
            {
                return AccessDecision.Refuse($"pushing to {upstream.Host}/{repository} is not allowed: the build declared only {declared} when it claimed the push capability");
            }
        }
        else if (!CanPull(upstream, repository, declared))
        {
            return AccessDecision.Refuse($"pulling from {upstream.Host}/{repository} is not allowed by the pull allow-list");
        }

        var scopes = new List<Scope> { new(repository, isPush.Value) };
        if (isMount)
        {
            if (mountFrom is null || !RepositoryName.IsValid(mountFrom))
            {
                // A mount without a usable source is an ordinary upload start for the registry.
                return AccessDecision.Allow(scopes);
            }

            if (!CanPull(upstream, mountFrom, declared))
            {
                return AccessDecision.Refuse($"mounting from {upstream.Host}/{mountFrom} is not allowed by the pull allow-list");
            }

            scopes.Add(new Scope(mountFrom, false));
        }

        return AccessDecision.Allow(scopes);
    }

    public static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static bool CanPull(UpstreamOptions upstream, string repository, PushDeclaration? declared) =>
        upstream.Pull.Count == 0 || RepositoryPattern.AnyMatches(upstream.Pull, repository)
        || (upstream.Push is not null && RepositoryPattern.AnyMatches(upstream.Push, repository))
        || (declared is not null && declared.Allows(upstream.Host, repository));
}
