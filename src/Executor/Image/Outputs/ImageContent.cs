namespace Kaniko.Executor.Image.Outputs;

/// <summary>
/// A complete single-platform image: its manifest and config documents and a way to read each layer blob.
/// What the output writers write, the readers return, and <c>RegistryClient.PushImageAsync</c> pushes.
/// </summary>
public sealed record ImageContent(
    ReadOnlyMemory<byte> ManifestBytes,
    string ManifestMediaType,
    ReadOnlyMemory<byte> ConfigBytes,
    Descriptor Config,
    IReadOnlyList<Descriptor> Layers,
    Func<Descriptor, CancellationToken, Task<Stream>> OpenLayer)
{
    public Digest ManifestDigest => Digest.Sha256Of(ManifestBytes.Span);

    public Descriptor ManifestDescriptor => new(ManifestMediaType, ManifestDigest, ManifestBytes.Length);

    /// <summary>An image whose layer blobs are files on disk (as the build produces them).</summary>
    public static ImageContent FromFiles(ReadOnlyMemory<byte> manifestBytes, string manifestMediaType, ReadOnlyMemory<byte> configBytes, Descriptor config, IReadOnlyList<(Descriptor Descriptor, string Path)> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var paths = layers.ToDictionary(l => l.Descriptor.Digest, l => l.Path);
        return new ImageContent(
            manifestBytes,
            manifestMediaType,
            configBytes,
            config,
            layers.Select(l => l.Descriptor).ToList(),
            (descriptor, _) => Task.FromResult<Stream>(OpenRead(paths[descriptor.Digest])));
    }

    /// <summary>Opens a file for one sequential read (shared read, async I/O).</summary>
    internal static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
