namespace Kaniko.CredProxy.Routing;

/// <summary>The request target as the client sent it, split into path and query, with <c>ns=</c> taken out verbatim.</summary>
public sealed record RawTarget(string Path, string QueryWithoutNs, string? NsQueryValue, int NsCount)
{
    public static RawTarget Parse(string rawTarget)
    {
        var question = rawTarget.IndexOf('?');
        var path = question < 0 ? rawTarget : rawTarget[..question];
        var query = question < 0 ? string.Empty : rawTarget[(question + 1)..];
        string? ns = null;
        var count = 0;
        var kept = new List<string>();
        foreach (var part in query.Split('&'))
        {
            if (part.StartsWith("ns=", StringComparison.Ordinal) || part == "ns")
            {
                ns = part.Length > 3 ? part[3..] : string.Empty;
                count++;
            }
            else
            {
                kept.Add(part);
            }
        }

        var rest = count == 0 ? query : string.Join('&', kept);
        return new RawTarget(path, rest, ns, count);
    }

    /// <summary>The registry host named by <c>ns=</c>, unescaped.</summary>
    public string? NsHost => NsQueryValue is null ? null : Uri.UnescapeDataString(NsQueryValue.Replace('+', ' ')).Trim().ToLowerInvariant();

    public string UpstreamPathAndQuery => QueryWithoutNs.Length > 0 ? Path + "?" + QueryWithoutNs : Path;
}
