using Kaniko.CredProxy.Routing;

namespace Kaniko.CredProxy.Tests.Routing;

public sealed class RegistryPathTests
{
    [Theory]
    [InlineData("library/alpine/manifests/latest", RegistryResource.Manifest, "library/alpine", "latest")]
    [InlineData("a/blobs/sha256:abc", RegistryResource.Blob, "a", "sha256:abc")]
    [InlineData("a/b/c/blobs/uploads/", RegistryResource.UploadStart, "a/b/c", null)]
    [InlineData("a/b/c/blobs/uploads", RegistryResource.UploadStart, "a/b/c", null)]
    [InlineData("a/blobs/uploads/1234-5", RegistryResource.Upload, "a", "1234-5")]
    [InlineData("a/tags/list", RegistryResource.Tags, "a", "list")]
    [InlineData("a/referrers/sha256:abc", RegistryResource.Referrers, "a", "sha256:abc")]
    [InlineData("x/manifests/y/manifests/z", RegistryResource.Manifest, "x/manifests/y", "z")]
    [InlineData("_catalog", RegistryResource.Catalog, null, null)]
    [InlineData("UPPER/manifests/x", RegistryResource.Unknown, null, null)]
    [InlineData("a/../b/manifests/x", RegistryResource.Unknown, null, null)]
    [InlineData("a/unknown/x", RegistryResource.Unknown, null, null)]
    public void Parses_resource_and_repository(string path, RegistryResource resource, string? repository, string? reference)
    {
        var parsed = RegistryPath.Parse(path);
        Assert.Equal(resource, parsed.Resource);
        Assert.Equal(repository, parsed.Repository);
        Assert.Equal(reference, parsed.Reference);
    }
}
