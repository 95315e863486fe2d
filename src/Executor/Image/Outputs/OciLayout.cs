namespace Kaniko.Executor.Image.Outputs;

/// <summary>
/// An OCI image layout directory (<c>--oci-layout-path</c>): <c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c>. Readable by skopeo (<c>oci:DIR[:REF]</c>) and umoci.
/// </summary>
public static class OciLayout
{
    /// <summary>The annotation naming a manifest in index.json (<c>oci:DIR:REF</c>).</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private const long MaxDocumentBytes = 32 * 1024 * 1024;

    /// <summary>
    /// Writes (or adds to) a layout: every blob checked against its digest, then index.json naming the manifest
    /// with <paramref name="refName"/> (an entry with the same name is replaced).
    /// </summary>
    public static async Task WriteAsync(string directory, ImageContent image, string? refName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""", cancellationToken).ConfigureAwait(false);

        foreach (var layer in image.Layers)
        {
            var path = BlobPath(directory, layer.Digest);
            if (File.Exists(path) && new FileInfo(path).Length == layer.Size)
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var content = await image.OpenLayer(layer, cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                await BlobFiles.WriteVerifiedAsync(content, path, layer, "layer", cancellationToken).ConfigureAwait(false);
            }
        }

        await WriteSmallBlobAsync(directory, image.Config, image.ConfigBytes, cancellationToken).ConfigureAwait(false);
        var manifest = image.ManifestDescriptor;
        await WriteSmallBlobAsync(directory, manifest, image.ManifestBytes, cancellationToken).ConfigureAwait(false);

        var indexPath = Path.Combine(directory, "index.json");
        var entries = new List<Descriptor>();
        if (File.Exists(indexPath))
        {
            var existing = ImageJson.Deserialize(await File.ReadAllBytesAsync(indexPath, cancellationToken).ConfigureAwait(false), ImageJsonContext.Default.ImageIndex, indexPath);
            entries.AddRange((existing.Manifests ?? []).Where(d => refName is null
                ? d.Digest != manifest.Digest
                : d.Annotations?.GetValueOrDefault(RefNameAnnotation) != refName));
        }

        entries.Add(refName is null ? manifest : manifest with { Annotations = new Dictionary<string, string> { [RefNameAnnotation] = refName } });
        var index = new ImageIndex(2, MediaTypes.OciIndex, entries);
        var temporary = indexPath + ".tmp";
        await File.WriteAllBytesAsync(temporary, ImageJson.Serialize(index), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, indexPath, overwrite: true);
    }

    /// <summary>
    /// Reads the image named <paramref name="refName"/> (or the only one) from a layout; an index entry is
    /// followed to <paramref name="platform"/>'s manifest. Manifest and config are verified; layers are read from blobs/.
    /// </summary>
    public static async Task<ImageContent> ReadAsync(string directory, string? refName, Platform? platform, CancellationToken cancellationToken)
    {
        var indexPath = Path.Combine(directory, "index.json");
        if (!File.Exists(indexPath))
        {
            throw new InvalidDataException($"{directory} is not an OCI image layout: it has no index.json");
        }

        var index = ImageJson.Deserialize(await File.ReadAllBytesAsync(indexPath, cancellationToken).ConfigureAwait(false), ImageJsonContext.Default.ImageIndex, indexPath);
        var manifests = index.Manifests ?? [];
        Descriptor entry;
        if (refName is not null)
        {
            entry = manifests.FirstOrDefault(d => d.Annotations?.GetValueOrDefault(RefNameAnnotation) == refName)
                ?? throw new InvalidDataException($"the OCI layout {directory} has no image named '{refName}' (it has: {Names(manifests)})");
        }
        else if (manifests.Count == 1)
        {
            entry = manifests[0];
        }
        else
        {
            throw new InvalidDataException($"the OCI layout {directory} holds {manifests.Count} images: name one (it has: {Names(manifests)})");
        }

        for (var depth = 0; MediaTypes.IsIndex(entry.MediaType); depth++)
        {
            var nested = ImageJson.Deserialize(
                await BlobFiles.ReadVerifiedAsync(BlobPath(directory, entry.Digest), entry, "index", MaxDocumentBytes, cancellationToken).ConfigureAwait(false),
                ImageJsonContext.Default.ImageIndex,
                $"index {entry.Digest} in {directory}");
            var wanted = platform ?? Platform.Host;
            entry = (depth < 2 ? Registry.PlatformSelector.Select(nested.Manifests ?? [], wanted) : null)
                ?? throw new InvalidDataException($"the OCI layout {directory} has no image for {wanted} (it offers: {Registry.PlatformSelector.Describe(nested.Manifests ?? [])})");
        }

        var manifestBytes = await BlobFiles.ReadVerifiedAsync(BlobPath(directory, entry.Digest), entry, "manifest", MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
        var manifest = ImageJson.Deserialize(manifestBytes, ImageJsonContext.Default.ImageManifest, $"manifest {entry.Digest} in {directory}");
        var mediaType = manifest.MediaType ?? (MediaTypes.IsImageManifest(entry.MediaType) ? entry.MediaType : MediaTypes.OciManifest);
        if (manifest.Config is null || manifest.Layers is null)
        {
            throw new InvalidDataException($"manifest {entry.Digest} in {directory} lacks its config or layers");
        }

        var configBytes = await BlobFiles.ReadVerifiedAsync(BlobPath(directory, manifest.Config.Digest), manifest.Config, "config", MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
        foreach (var layer in manifest.Layers)
        {
            var path = BlobPath(directory, layer.Digest);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"layer {layer.Digest} of manifest {entry.Digest} is missing from {directory}");
            }
        }

        return new ImageContent(
            manifestBytes,
            mediaType,
            configBytes,
            manifest.Config,
            manifest.Layers,
            (layer, _) => Task.FromResult<Stream>(ImageContent.OpenRead(BlobPath(directory, layer.Digest))));
    }

    public static string BlobPath(string directory, Digest digest) => Path.Combine(directory, "blobs", digest.Algorithm, digest.Encoded);

    private static async Task WriteSmallBlobAsync(string directory, Descriptor blob, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var path = BlobPath(directory, blob.Digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var content = new MemoryStream(bytes.ToArray(), writable: false);
        await BlobFiles.WriteVerifiedAsync(content, path, blob, "blob", cancellationToken).ConfigureAwait(false);
    }

    private static string Names(IEnumerable<Descriptor> manifests)
    {
        var names = manifests.Select(d => d.Annotations?.GetValueOrDefault(RefNameAnnotation) ?? d.Digest.ToString()).ToList();
        return names.Count == 0 ? "nothing" : string.Join(", ", names);
    }
}
