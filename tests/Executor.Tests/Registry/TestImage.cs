using Kaniko.Executor.Image;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>A small image with random layer bytes, as OCI or Docker schema 2 documents.</summary>
internal sealed record TestImage(byte[] ConfigBytes, Descriptor Config, IReadOnlyList<(Descriptor Descriptor, byte[] Bytes)> Layers, byte[] ManifestBytes, string MediaType)
{
    public Digest Digest => Digest.Sha256Of(ManifestBytes);

    public Descriptor ManifestDescriptor(Platform? platform) =>
        new(MediaType, Digest, ManifestBytes.Length) { Platform = platform };

    public static TestImage Create(bool docker = false, string architecture = "amd64", string? variant = null, params int[] layerSizes)
    {
        var layers = (layerSizes.Length == 0 ? [1000, 2000] : layerSizes).Select(size =>
        {
            var bytes = new byte[size];
            Random.Shared.NextBytes(bytes);
            return (new Descriptor(docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip, Digest.Sha256Of(bytes), size), bytes);
        }).ToList();
        var config = new ImageConfig
        {
            Architecture = architecture,
            Variant = variant,
            RootFs = new RootFs("layers", layers.Select(l => l.Item1.Digest).ToList()),
            Config = new ContainerConfig { Cmd = ["/bin/sh"] },
        };
        var configBytes = ImageJson.Serialize(config);
        var configDescriptor = new Descriptor(docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest.Sha256Of(configBytes), configBytes.Length);
        var mediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = new ImageManifest(2, mediaType, configDescriptor, layers.Select(l => l.Item1).ToList());
        return new TestImage(configBytes, configDescriptor, layers, ImageJson.Serialize(manifest), mediaType);
    }
}
