using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>Reads a layer file we wrote back with System.Formats.Tar (an independent reader) and checks its descriptor.</summary>
internal static class LayerContents
{
    public static List<TarEntry> Read(LayerFile layer)
    {
        using var file = File.OpenRead(layer.Path);
        using Stream decompressed = layer.Descriptor.MediaType switch
        {
            MediaTypes.OciLayerGzip => new GZipStream(file, CompressionMode.Decompress),
            MediaTypes.OciLayerZstd => new ZstdSharp.DecompressionStream(file),
            _ => file,
        };
        var entries = new List<TarEntry>();
        using var reader = new TarReader(decompressed);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }

    public static List<string> Names(LayerFile layer) => [.. Read(layer).Select(e => e.Name)];

    public static void AssertDescriptorMatchesFile(LayerFile layer)
    {
        var bytes = File.ReadAllBytes(layer.Path);
        Assert.Equal(bytes.Length, layer.Descriptor.Size);
        Assert.Equal(Digest.Sha256Of(bytes), layer.Descriptor.Digest);
        using Stream decompressed = layer.Descriptor.MediaType switch
        {
            MediaTypes.OciLayerGzip => new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress),
            MediaTypes.OciLayerZstd => new ZstdSharp.DecompressionStream(new MemoryStream(bytes)),
            _ => new MemoryStream(bytes),
        };
        Assert.Equal(Digest.FromSha256Hash(SHA256.HashData(decompressed)), layer.DiffId);
    }
}
