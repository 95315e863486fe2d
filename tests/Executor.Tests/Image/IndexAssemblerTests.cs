using System.Text.Json;
using Kaniko.Executor.Cli;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Assembly;

namespace Kaniko.Executor.Tests.Image;

public sealed class IndexAssemblerTests
{
    private static readonly Dictionary<string, string> _none = [];

    [Theory]
    [InlineData(ImageFormat.Auto, true, MediaTypes.DockerManifestList)]
    [InlineData(ImageFormat.Auto, false, MediaTypes.OciIndex)]
    [InlineData(ImageFormat.Oci, true, MediaTypes.OciIndex)]
    [InlineData(ImageFormat.Docker, true, MediaTypes.DockerManifestList)]
    public void Chooses_the_index_type_from_the_flag_and_the_manifests(ImageFormat format, bool docker, string expected)
    {
        var index = IndexAssembler.Assemble([Entry("a", "amd64", docker), Entry("b", "arm64", docker)], format, _none);

        Assert.Equal(expected, index.MediaType);
        Assert.Equal(Digest.Sha256Of(index.Bytes), index.Digest);
        using var json = JsonDocument.Parse(index.Bytes);
        Assert.Equal(2, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(expected, json.RootElement.GetProperty("mediaType").GetString());
        var platforms = json.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()).ToList();
        Assert.Equal(["amd64", "arm64"], platforms);
    }

    [Fact]
    public void Keeps_each_digest_once_and_refuses_two_images_for_one_platform()
    {
        var amd = Entry("a", "amd64", docker: false);
        var index = IndexAssembler.Assemble([amd, amd with { Source = "again" }], ImageFormat.Auto, _none);
        Assert.Single(index.Manifests);

        var e = Assert.Throws<UsageException>(() => IndexAssembler.Assemble([amd, Entry("b", "amd64", docker: false)], ImageFormat.Auto, _none));
        Assert.Contains("a (", e.Message, StringComparison.Ordinal);
        Assert.Contains("b (", e.Message, StringComparison.Ordinal);
        Assert.Contains("linux/amd64", e.Message, StringComparison.Ordinal);

        // arm64 and arm64/v8 are one platform; attestation entries (unknown/unknown) may repeat.
        Assert.Throws<UsageException>(() => IndexAssembler.Assemble([Entry("a", "arm64", false), Entry("b", "arm64", false, "v8")], ImageFormat.Auto, _none));
        var attestations = IndexAssembler.Assemble([Entry("x", "unknown", false, os: "unknown"), Entry("y", "unknown", false, os: "unknown")], ImageFormat.Auto, _none);
        Assert.Equal(2, attestations.Manifests.Count);
    }

    [Fact]
    public void Docker_lists_refuse_oci_manifests_and_annotations()
    {
        var e = Assert.Throws<UsageException>(() => IndexAssembler.Assemble([Entry("a", "amd64", true), Entry("b", "arm64", false)], ImageFormat.Docker, _none));
        Assert.Contains("b is a application/vnd.oci.image.manifest.v1+json", e.Message, StringComparison.Ordinal);
        Assert.Contains("--image-format oci", e.Message, StringComparison.Ordinal);

        var annotations = new Dictionary<string, string> { ["org.opencontainers.image.version"] = "1" };
        Assert.Throws<UsageException>(() => IndexAssembler.Assemble([Entry("a", "amd64", true)], ImageFormat.Docker, annotations));
        var oci = IndexAssembler.Assemble([Entry("a", "amd64", true)], ImageFormat.Auto, annotations);
        Assert.Equal(MediaTypes.OciIndex, oci.MediaType);
        using var json = JsonDocument.Parse(oci.Bytes);
        Assert.Equal("1", json.RootElement.GetProperty("annotations").GetProperty("org.opencontainers.image.version").GetString());
    }

    [Fact]
    public void An_empty_list_is_a_usage_error() =>
        Assert.Throws<UsageException>(() => IndexAssembler.Assemble([], ImageFormat.Auto, _none));

    private static IndexEntry Entry(string source, string architecture, bool docker, string? variant = null, string os = "linux") =>
        new(source, new Descriptor(docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest, Digest.Sha256Of(System.Text.Encoding.UTF8.GetBytes(source + architecture + variant)), 500)
        {
            Platform = new Platform(architecture, os) { Variant = variant },
        });
}
