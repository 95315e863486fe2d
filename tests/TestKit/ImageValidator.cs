using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Kaniko.TestKit;

/// <summary>
/// Checks an image independently of our code: skopeo copies it (manifest kept as stored) to a
/// <c>dir:</c> folder, then every rule is checked and all problems are reported together:
/// manifest and media types agree, config and layer digests and sizes match, each layer's
/// uncompressed SHA-256 equals its diff ID, layers are readable tars, non-empty history entries
/// match the layer count, architecture and os are set. A tar that lacks its end-of-archive blocks is
/// accepted (as GNU tar and Go do) and flagged in <see cref="ValidatedLayer.HasEndOfArchiveMarker"/>.
/// </summary>
public static class ImageValidator
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    private const string OciConfig = "application/vnd.oci.image.config.v1+json";
    private const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    /// <summary>
    /// Validates <c>docker://REFERENCE</c> (for an index: the linux/amd64 image, as skopeo picks it).
    /// Throws <see cref="ImageValidationException"/> listing every problem.
    /// </summary>
    public static async Task<ValidatedImage> ValidateAsync(
        string reference, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        using var work = TempDirectory.Create("validate");
        var dir = work.Combine("image");
        await Skopeo.CopyAsync(reference, "dir:" + dir, new SkopeoCopyOptions { SourceCredentials = credentials }, cancellationToken);
        return await Task.Run(() => ValidateDirectory(reference, dir, cancellationToken), cancellationToken);
    }

    /// <summary>Validates an image already in a skopeo <c>dir:</c> folder.</summary>
    public static ValidatedImage ValidateDirectory(string reference, string directory, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var manifestBytes = File.ReadAllBytes(Path.Combine(directory, "manifest.json"));
        var manifestDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifestBytes));
        using var manifestDocument = JsonDocument.Parse(manifestBytes);
        var manifest = manifestDocument.RootElement.Clone();

        if (!manifest.TryGetProperty("schemaVersion", out var schema) || schema.GetInt32() != 2)
        {
            problems.Add("manifest schemaVersion is not 2");
        }

        var config = manifest.GetProperty("config");
        var configMediaType = config.GetProperty("mediaType").GetString() ?? "";
        var mediaType = manifest.TryGetProperty("mediaType", out var mt)
            ? mt.GetString() ?? ""
            : configMediaType == OciConfig ? OciManifest : "";
        var isOci = mediaType == OciManifest;
        if (mediaType is not (OciManifest or DockerManifest))
        {
            throw new ImageValidationException(reference, [$"manifest media type '{mediaType}' is not an image manifest"]);
        }

        if (configMediaType != (isOci ? OciConfig : DockerConfig))
        {
            problems.Add($"config media type {configMediaType} does not belong in a {mediaType}");
        }

        var configDigest = config.GetProperty("digest").GetString() ?? "";
        var configBytes = ReadBlob(directory, config, "config", problems);
        using var configDocument = JsonDocument.Parse(configBytes);
        var configJson = configDocument.RootElement.Clone();
        foreach (var field in new[] { "architecture", "os" })
        {
            if (!configJson.TryGetProperty(field, out var value) || string.IsNullOrEmpty(value.GetString()))
            {
                problems.Add($"config has no {field}");
            }
        }

        var diffIds = configJson.TryGetProperty("rootfs", out var rootfs) && rootfs.TryGetProperty("diff_ids", out var ids)
            ? ids.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : [];
        if (!rootfs.TryGetProperty("type", out var rootfsType) || rootfsType.GetString() != "layers")
        {
            problems.Add("config rootfs.type is not 'layers'");
        }

        var layerDescriptors = manifest.GetProperty("layers").EnumerateArray().ToArray();
        if (diffIds.Length != layerDescriptors.Length)
        {
            problems.Add($"{layerDescriptors.Length} layers but {diffIds.Length} diff_ids");
        }

        if (configJson.TryGetProperty("history", out var history))
        {
            var nonEmpty = history.EnumerateArray().Count(
                h => !(h.TryGetProperty("empty_layer", out var empty) && empty.ValueKind == JsonValueKind.True));
            if (nonEmpty != layerDescriptors.Length)
            {
                problems.Add($"{nonEmpty} non-empty history entries but {layerDescriptors.Length} layers");
            }
        }

        var layers = new List<ValidatedLayer>();
        for (var i = 0; i < layerDescriptors.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var descriptor = layerDescriptors[i];
            var layerMediaType = descriptor.GetProperty("mediaType").GetString() ?? "";
            var digest = descriptor.GetProperty("digest").GetString() ?? "";
            var expectedDiffId = i < diffIds.Length ? diffIds[i] : "";
            layers.Add(ValidateLayer(directory, i, descriptor, layerMediaType, digest, expectedDiffId, isOci, problems));
        }

        if (problems.Count > 0)
        {
            throw new ImageValidationException(reference, problems);
        }

        return new ValidatedImage(reference, manifestDigest, mediaType, manifest, configDigest, configJson, layers);
    }

    private static ValidatedLayer ValidateLayer(
        string directory,
        int index,
        JsonElement descriptor,
        string mediaType,
        string digest,
        string expectedDiffId,
        bool isOci,
        List<string> problems)
    {
        var what = $"layer {index} ({digest})";
        var size = descriptor.GetProperty("size").GetInt64();
        var path = BlobPath(directory, digest);
        var entries = new List<LayerEntry>();
        if (!File.Exists(path))
        {
            problems.Add($"{what}: blob missing");
            return new ValidatedLayer(digest, "", mediaType, size, entries);
        }

        var fileDigest = "sha256:" + Convert.ToHexStringLower(HashFile(path, out var length));
        if (fileDigest != digest)
        {
            problems.Add($"{what}: content hashes to {fileDigest}");
        }

        if (length != size)
        {
            problems.Add($"{what}: descriptor size {size}, blob has {length} bytes");
        }

        var compression = mediaType switch
        {
            "application/vnd.oci.image.layer.v1.tar+gzip" or "application/vnd.docker.image.rootfs.diff.tar.gzip" => "gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd" => "zstd",
            "application/vnd.oci.image.layer.v1.tar" or "application/vnd.docker.image.rootfs.diff.tar" => "none",
            _ => null,
        };
        if (compression is null)
        {
            problems.Add($"{what}: unknown media type {mediaType}");
            return new ValidatedLayer(digest, "", mediaType, size, entries);
        }

        if (isOci != mediaType.StartsWith("application/vnd.oci.", StringComparison.Ordinal))
        {
            problems.Add($"{what}: media type {mediaType} mixed into a {(isOci ? "OCI" : "Docker")} manifest");
        }

        string diffId;
        var terminated = true;
        try
        {
            using var file = File.OpenRead(path);
            Stream decompressed = compression switch
            {
                "gzip" => new GZipStream(file, CompressionMode.Decompress),
                "zstd" => new ZstdSharp.DecompressionStream(file),
                _ => file,
            };
            using var hashing = new HashingReadStream(decompressed);
            using (var reader = new TarReader(hashing, leaveOpen: true))
            {
                while (NextEntry(reader, hashing, ref terminated) is { } entry)
                {
                    var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                    entries.Add(new LayerEntry(
                        name.TrimStart('/'),
                        entry.EntryType,
                        entry.Mode,
                        entry.Uid,
                        entry.Gid,
                        entry.Length,
                        string.IsNullOrEmpty(entry.LinkName) ? null : entry.LinkName,
                        entry.ModificationTime));
                }
            }

            diffId = hashing.DrainAndGetDigest();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            problems.Add($"{what}: not a readable {compression} tar: {e.Message}");
            return new ValidatedLayer(digest, "", mediaType, size, entries);
        }

        if (diffId != expectedDiffId)
        {
            problems.Add($"{what}: uncompressed content hashes to {diffId}, config diff_id is {expectedDiffId}");
        }

        return new ValidatedLayer(digest, diffId, mediaType, size, entries) { HasEndOfArchiveMarker = terminated };
    }

    // TarReader over a non-seekable stream throws when the archive ends right after an entry without
    // the zero blocks (umoci 0.4.7 writes such layers); GNU tar and Go accept them: so do we, noting it.
    private static TarEntry? NextEntry(TarReader reader, HashingReadStream stream, ref bool terminated)
    {
        try
        {
            return reader.GetNextEntry();
        }
        catch (EndOfStreamException) when (stream.BytesRead % 512 == 0)
        {
            terminated = false;
            return null;
        }
    }

    private static byte[] ReadBlob(string directory, JsonElement descriptor, string what, List<string> problems)
    {
        var digest = descriptor.GetProperty("digest").GetString() ?? "";
        var bytes = File.ReadAllBytes(BlobPath(directory, digest));
        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != digest)
        {
            problems.Add($"{what}: content hashes to {actual}, descriptor says {digest}");
        }

        if (bytes.LongLength != descriptor.GetProperty("size").GetInt64())
        {
            problems.Add($"{what}: descriptor size {descriptor.GetProperty("size").GetInt64()}, blob has {bytes.LongLength} bytes");
        }

        return bytes;
    }

    private static byte[] HashFile(string path, out long length)
    {
        using var stream = File.OpenRead(path);
        length = stream.Length;
        return SHA256.HashData(stream);
    }

    // skopeo's dir: transport names blobs by the hex part of their digest.
    private static string BlobPath(string directory, string digest) =>
        Path.Combine(directory, digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..] : digest);
}
