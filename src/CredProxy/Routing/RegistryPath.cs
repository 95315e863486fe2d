using System.Text.RegularExpressions;
using Kaniko.CredProxy.Policy;

namespace Kaniko.CredProxy.Routing;

public enum RegistryResource
{
    Unknown,
    Catalog,
    Manifest,
    Blob,
    UploadStart,
    Upload,
    Tags,
    Referrers,
}

/// <summary>A registry API path below <c>/v2/</c>, parsed once: which resource and which repository.</summary>
public sealed partial record RegistryPath(RegistryResource Resource, string? Repository, string? Reference)
{
    public static RegistryPath Parse(string pathBelowV2)
    {
        if (pathBelowV2 is "_catalog" or "_catalog/")
        {
            return new RegistryPath(RegistryResource.Catalog, null, null);
        }

        var match = PathRegex().Match(pathBelowV2);
        if (!match.Success || !RepositoryName.IsValid(match.Groups["name"].Value))
        {
            return new RegistryPath(RegistryResource.Unknown, null, null);
        }

        var name = match.Groups["name"].Value;
        var rest = match.Groups["rest"].Value;
        var arg = match.Groups["arg"].Success ? match.Groups["arg"].Value : null;
        var resource = rest switch
        {
            "manifests" => RegistryResource.Manifest,
            "blobs/uploads" when arg is null or "" => RegistryResource.UploadStart,
            "blobs/uploads" => RegistryResource.Upload,
            "blobs" => RegistryResource.Blob,
            "tags" when arg == "list" => RegistryResource.Tags,
            "referrers" => RegistryResource.Referrers,
            _ => RegistryResource.Unknown,
        };
        return resource == RegistryResource.Unknown
            ? new RegistryPath(RegistryResource.Unknown, null, null)
            : new RegistryPath(resource, name, string.IsNullOrEmpty(arg) ? null : arg);
    }

    [GeneratedRegex(@"^(?<name>.+?)/(?<rest>blobs/uploads|manifests|blobs|tags|referrers)(?:/(?<arg>[^/]*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex PathRegex();
}
