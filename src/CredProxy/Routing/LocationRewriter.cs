namespace Kaniko.CredProxy.Routing;

/// <summary>
/// Makes <c>Location</c> (and <c>Link</c>) answers point back at the proxy, keeping path and query byte for byte
/// and re-adding the client's <c>ns=</c>. URLs on other hosts (e.g. a storage redirect) are left alone:
/// the client follows them without credentials.
/// </summary>
public static class LocationRewriter
{
    /// <returns>The rewritten URL, or null to leave <paramref name="location"/> unchanged.</returns>
    public static string? Rewrite(string location, Uri upstreamRequest, Uri upstreamEndpoint, string proxyOrigin, string? nsQueryValue)
    {
        string pathAndQuery;
        if (location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal))
        {
            pathAndQuery = location;
        }
        else if (location.Contains("://", StringComparison.Ordinal) || location.StartsWith("//", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(upstreamRequest, location, out var absolute)
                || !string.Equals(absolute.Host, upstreamEndpoint.Host, StringComparison.OrdinalIgnoreCase)
                || absolute.Port != upstreamEndpoint.Port)
            {
                return null;
            }

            var afterScheme = location.IndexOf("//", StringComparison.Ordinal) + 2;
            var pathStart = location.IndexOfAny(['/', '?', '#'], afterScheme);
            pathAndQuery = pathStart < 0 ? "/" : location[pathStart..];
            if (!pathAndQuery.StartsWith('/'))
            {
                pathAndQuery = "/" + pathAndQuery;
            }
        }
        else
        {
            if (!Uri.TryCreate(upstreamRequest, location, out var resolved))
            {
                return null;
            }

            pathAndQuery = resolved.PathAndQuery;
        }

        return proxyOrigin + AddNs(pathAndQuery, nsQueryValue);
    }

    /// <summary>Rewrites each <c>&lt;url&gt;</c> of a <c>Link</c> header.</summary>
    public static string RewriteLink(string link, Uri upstreamRequest, Uri upstreamEndpoint, string proxyOrigin, string? nsQueryValue)
    {
        var open = link.IndexOf('<');
        var close = open < 0 ? -1 : link.IndexOf('>', open + 1);
        if (close < 0)
        {
            return link;
        }

        var target = link[(open + 1)..close];
        var rewritten = Rewrite(target, upstreamRequest, upstreamEndpoint, proxyOrigin, nsQueryValue);
        var head = rewritten is null ? link[..(close + 1)] : link[..(open + 1)] + rewritten + ">";
        return head + RewriteLink(link[(close + 1)..], upstreamRequest, upstreamEndpoint, proxyOrigin, nsQueryValue);
    }

    private static string AddNs(string pathAndQuery, string? nsQueryValue)
    {
        if (nsQueryValue is null)
        {
            return pathAndQuery;
        }

        var hash = pathAndQuery.IndexOf('#');
        var fragment = hash < 0 ? string.Empty : pathAndQuery[hash..];
        var head = hash < 0 ? pathAndQuery : pathAndQuery[..hash];
        var separator = head.Contains('?') ? (head.EndsWith('?') || head.EndsWith('&') ? string.Empty : "&") : "?";
        return head + separator + "ns=" + nsQueryValue + fragment;
    }
}
