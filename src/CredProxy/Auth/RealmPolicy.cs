using Kaniko.CredProxy.Configuration;

namespace Kaniko.CredProxy.Auth;

/// <summary>A token realm gets credentials only if its host is pinned for the registry, over https unless the registry itself is http.</summary>
public static class RealmPolicy
{
    public static string? Check(UpstreamOptions upstream, string? realmText)
    {
        if (!Uri.TryCreate(realmText, UriKind.Absolute, out var realm) || realm.UserInfo.Length > 0)
        {
            return $"registry {upstream.Host} sent an unusable token realm";
        }

        if (realm.Scheme != Uri.UriSchemeHttps && !(realm.Scheme == Uri.UriSchemeHttp && upstream.Endpoint.Scheme == Uri.UriSchemeHttp))
        {
            return $"registry {upstream.Host} sent a token realm on {realm.Scheme}, not https";
        }

        if (IsPinned(upstream, realm))
        {
            return null;
        }

        return $"token realm host {realm.Authority} is not pinned for registry {upstream.Host}";
    }

    private static bool IsPinned(UpstreamOptions upstream, Uri realm)
    {
        if (string.Equals(realm.Host, upstream.Endpoint.Host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var pinned in upstream.RealmHosts)
        {
            if (string.Equals(pinned, realm.Host, StringComparison.OrdinalIgnoreCase)
                || string.Equals(pinned, realm.Authority, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
