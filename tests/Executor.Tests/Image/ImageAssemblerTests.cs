using System.Text.Json;
using Kaniko.Executor.Build;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Assembly;

namespace Kaniko.Executor.Tests.Image;

public sealed class ImageAssemblerTests
{
    private static readonly Digest _diffId = Digest.Sha256Of("tar"u8);
    private static readonly Digest _blob = Digest.Sha256Of("gzip"u8);

    private static StageImage OneLayerImage(string layerMediaType) => new(
        new ImageConfig
        {
            Config = new ContainerConfig { Cmd = ["/bin/sh"], Labels = new Dictionary<string, string> { ["a"] = "1" } },
            RootFs = new RootFs("layers", [_diffId]),
            History = [new HistoryEntry { CreatedBy = "x" }],
        },
        [new ImageLayer(new Descriptor(layerMediaType, _blob, 4), _diffId, "/nonexistent")]);

    [Fact]
    public void Docker_format_uses_docker_media_types_and_the_digest_of_the_exact_bytes()
    {
        var image = ImageAssembler.Assemble(OneLayerImage(MediaTypes.OciLayerGzip), oci: false, new Dictionary<string, string> { ["b"] = "2" }, DateTimeOffset.UnixEpoch);

        Assert.Equal(MediaTypes.DockerManifest, image.ManifestMediaType);
        Assert.Equal(Digest.Sha256Of(image.ManifestBytes), image.ManifestDigest);
        Assert.Equal(Digest.Sha256Of(image.ConfigBytes), image.Config.Digest);
        using var manifest = JsonDocument.Parse(image.ManifestBytes);
        Assert.Equal(MediaTypes.DockerConfig, manifest.RootElement.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal(MediaTypes.DockerLayerGzip, manifest.RootElement.GetProperty("layers")[0].GetProperty("mediaType").GetString());
        using var config = JsonDocument.Parse(image.ConfigBytes);
        Assert.Equal("1", config.RootElement.GetProperty("config").GetProperty("Labels").GetProperty("a").GetString());
        Assert.Equal("2", config.RootElement.GetProperty("config").GetProperty("Labels").GetProperty("b").GetString());
        Assert.Equal(_diffId.ToString(), config.RootElement.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
    }

    [Fact]
    public void Oci_format_renames_docker_layers_and_zstd_is_refused_in_docker_format()
    {
        var oci = ImageAssembler.Assemble(OneLayerImage(MediaTypes.DockerLayerGzip), oci: true, new Dictionary<string, string>(), null);
        Assert.Equal(MediaTypes.OciLayerGzip, oci.Layers[0].Descriptor.MediaType);

        var error = Assert.Throws<InvalidOperationException>(() =>
            ImageAssembler.Assemble(OneLayerImage(MediaTypes.OciLayerZstd), oci: false, new Dictionary<string, string>(), null));
        Assert.Contains("--image-format oci", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Annotations_go_on_the_manifest()
    {
        var image = ImageAssembler.Assemble(OneLayerImage(MediaTypes.OciLayerGzip), oci: true, new Dictionary<string, string>(), null, new Dictionary<string, string> { ["org.opencontainers.image.source"] = "https://example.test/app" });

        using var manifest = JsonDocument.Parse(image.ManifestBytes);
        Assert.Equal("https://example.test/app", manifest.RootElement.GetProperty("annotations").GetProperty("org.opencontainers.image.source").GetString());
    }

    [Fact]
    public void Equal_input_gives_equal_digests()
    {
        var first = ImageAssembler.Assemble(OneLayerImage(MediaTypes.OciLayerGzip), oci: true, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
        var second = ImageAssembler.Assemble(OneLayerImage(MediaTypes.OciLayerGzip), oci: true, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);

        Assert.Equal(first.ManifestDigest, second.ManifestDigest);
    }
}
