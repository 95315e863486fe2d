using System.Formats.Tar;
using System.IO.Compression;
using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Outputs;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>A small image with random layer bytes, as OCI or Docker schema 2 documents.</summary>
internal sealed record TestImage(byte[] ConfigBytes, Descriptor Config, IReadOnlyList<(Descriptor Descriptor, byte[] Bytes)> Layers, byte[] ManifestBytes, string MediaType)
{
    public Digest Digest => Digest.Sha256Of(ManifestBytes);

    public Descriptor ManifestDescriptor(Platform? platform) =>
        new(MediaType, Digest, ManifestBytes.Length) { Platform = platform };

    public ImageContent Content => new(
        ManifestBytes,
        MediaType,
        ConfigBytes,
        Config,
        Layers.Select(l => l.Descriptor).ToList(),
        (d, _) => Task.FromResult<Stream>(new MemoryStream(Layers.First(l => l.Descriptor.Digest == d.Digest).Bytes, writable: false)));

    /// <summary>An image whose layers are real gzip tarballs (one file each), with correct diff_ids, for skopeo and umoci.</summary>
    public static TestImage CreateReal(bool docker, int layers = 2, int fileSize = 4096)
    {
        var blobs = new List<(Descriptor, byte[])>();
        var diffIds = new List<Digest>();
        for (var i = 0; i < layers; i++)
        {
            using var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                var data = new byte[fileSize];
                Random.Shared.NextBytes(data);
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"file{i}.bin") { DataStream = new MemoryStream(data), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            }

            diffIds.Add(Digest.Sha256Of(tar.ToArray()));
            using var gz = new MemoryStream();
            using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(tar.ToArray());
            }

            var bytes = gz.ToArray();
            blobs.Add((new Descriptor(docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip, Digest.Sha256Of(bytes), bytes.Length), bytes));
        }

        var config = new ImageConfig
        {
            Created = DateTimeOffset.UnixEpoch,
            RootFs = new RootFs("layers", diffIds),
            Config = new ContainerConfig { Cmd = ["/bin/sh"] },
        };
        var configBytes = ImageJson.Serialize(config);
        var configDescriptor = new Descriptor(docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest.Sha256Of(configBytes), configBytes.Length);
        var mediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = new ImageManifest(2, mediaType, configDescriptor, blobs.Select(l => l.Item1).ToList());
        return new TestImage(configBytes, configDescriptor, blobs, ImageJson.Serialize(manifest), mediaType);
    }

    /// <summary>An OCI image of the given tar layers, each stored gzip-compressed or as plain tar.</summary>
    public static TestImage FromTars(IReadOnlyList<byte[]> tars, bool gzip = true)
    {
        var blobs = tars.Select(tar =>
        {
            byte[] bytes = tar;
            if (gzip)
            {
                using var gz = new MemoryStream();
                using (var stream = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                {
                    stream.Write(tar);
                }

                bytes = gz.ToArray();
            }

            return (new Descriptor(gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer, Digest.Sha256Of(bytes), bytes.Length), bytes);
        }).ToList();
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs("layers", tars.Select(t => Digest.Sha256Of(t)).ToList()),
        };
        var configBytes = ImageJson.Serialize(config);
        var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Sha256Of(configBytes), configBytes.Length);
        var manifest = new ImageManifest(2, MediaTypes.OciManifest, configDescriptor, blobs.Select(l => l.Item1).ToList());
        return new TestImage(configBytes, configDescriptor, blobs, ImageJson.Serialize(manifest), MediaTypes.OciManifest);
    }

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
