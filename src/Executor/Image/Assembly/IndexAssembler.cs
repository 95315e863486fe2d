using Kaniko.Executor.Cli;

namespace Kaniko.Executor.Image.Assembly;

/// <summary>One manifest to list in an index, and where it came from (for messages).</summary>
public sealed record IndexEntry(string Source, Descriptor Descriptor);

/// <summary>An assembled index: its bytes, media type and digest.</summary>
public sealed record AssembledIndex(byte[] Bytes, string MediaType, Digest Digest, IReadOnlyList<Descriptor> Manifests);

/// <summary>Turns platform manifests into an OCI image index or a Docker manifest list.</summary>
public static class IndexAssembler
{
    /// <summary>
    /// Lists the entries in the order given, each digest once. <paramref name="format"/>: <c>Oci</c> gives an OCI
    /// image index; <c>Docker</c> a Docker manifest list (only Docker schema 2 manifests, no annotations);
    /// <c>Auto</c> a manifest list when every entry is a Docker schema 2 manifest and no annotation is asked for,
    /// else an OCI index. Two different manifests for the same platform are refused: a client could not choose.
    /// </summary>
    public static AssembledIndex Assemble(IReadOnlyList<IndexEntry> entries, ImageFormat format, IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(annotations);
        if (entries.Count == 0)
        {
            throw new UsageException("no image to put in the index: name at least one source image");
        }

        var manifests = new List<Descriptor>();
        var sources = new Dictionary<Digest, string>();
        var platforms = new Dictionary<string, IndexEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!sources.TryAdd(entry.Descriptor.Digest, entry.Source))
            {
                continue;
            }

            if (entry.Descriptor.Platform is { } platform && platform.Os != "unknown" && platform.Architecture != "unknown")
            {
                var key = PlatformKey(platform);
                if (platforms.TryGetValue(key, out var other))
                {
                    throw new UsageException(
                        $"{other.Source} ({other.Descriptor.Digest}) and {entry.Source} ({entry.Descriptor.Digest}) are both for {Describe(platform)}: give one image per platform");
                }

                platforms[key] = entry;
            }

            manifests.Add(entry.Descriptor);
        }

        var allDocker = manifests.All(m => m.MediaType == MediaTypes.DockerManifest);
        var docker = format switch
        {
            ImageFormat.Docker => true,
            ImageFormat.Oci => false,
            _ => allDocker && annotations.Count == 0,
        };
        if (docker)
        {
            if (annotations.Count > 0)
            {
                throw new UsageException("--annotation needs an OCI index: a Docker manifest list has no annotations (use --image-format oci)");
            }

            if (manifests.FirstOrDefault(m => m.MediaType != MediaTypes.DockerManifest) is { } oci)
            {
                var source = sources[oci.Digest];
                throw new UsageException(
                    $"{source} is a {oci.MediaType}, which a Docker manifest list cannot hold: use --image-format oci (or auto), or rebuild it with --image-format docker");
            }
        }

        var mediaType = docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        var index = new ImageIndex(2, mediaType, manifests)
        {
            Annotations = annotations.Count > 0 ? annotations : null,
        };
        var bytes = ImageJson.Serialize(index);
        return new AssembledIndex(bytes, mediaType, Digest.Sha256Of(bytes), manifests);
    }

    public static string Describe(Platform platform) =>
        platform.OsVersion is null ? platform.ToString() : $"{platform} ({platform.OsVersion})";

    private static string PlatformKey(Platform platform) =>
        $"{platform.Os}/{platform.Architecture}/{Normalize(platform)}/{platform.OsVersion}";

    /// <summary>arm64 without a variant is arm64/v8 (containerd's rule), so the two count as one platform.</summary>
    private static string? Normalize(Platform platform) =>
        platform.Architecture == "arm64" && platform.Variant is null ? "v8" : platform.Variant;
}
