using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Kaniko.CredProxy.Tests.Infrastructure;

/// <summary>Writes a one-layer OCI image layout on disk, for skopeo to copy.</summary>
public static class OciLayout
{
    /// <returns>The manifest digest.</returns>
    public static string Write(string directory, string tag, int layerBytes)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var content = new byte[layerBytes];
            Random.Shared.NextBytes(content);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "data.bin") { DataStream = new MemoryStream(content) });
        }

        var diffId = Digest(tar.ToArray());
        var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(tar.ToArray());
        }

        var layer = gz.ToArray();
        var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["{{{diffId}}}"]}}""");
        var manifest = Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{Digest(config)}}}","size":{{{config.Length}}}},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{Digest(layer)}}}","size":{{{layer.Length}}}}]}
            """);
        foreach (var blob in new[] { layer, config, manifest })
        {
            File.WriteAllBytes(Path.Combine(blobs, Digest(blob)["sha256:".Length..]), blob);
        }

        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        File.WriteAllText(Path.Combine(directory, "index.json"), $$$"""
            {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{Digest(manifest)}}}","size":{{{manifest.Length}}},"annotations":{"org.opencontainers.image.ref.name":"{{{tag}}}"}}]}
            """);
        return Digest(manifest);
    }

    private static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
}
