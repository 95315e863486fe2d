using Kaniko.Executor.Image;

namespace Kaniko.Executor.Registry;

public sealed partial class RegistryClient
{
    /// <summary>Fetches an image's config blob, verified, and parses it.</summary>
    public async Task<ImageConfig> GetConfigAsync(ImageReference repository, Descriptor config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(config);
        var bytes = await ReadBlobAsync(repository, config, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, ImageJsonContext.Default.ImageConfig, $"config {config.Digest}", repository);
    }

    /// <summary>
    /// Makes an image manifest that lives in <paramref name="source"/>'s repository available in
    /// <paramref name="destination"/>'s: its config and layers are mounted (same registry) or streamed from the
    /// source (another registry, or a registry that refuses the mount), then the manifest bytes are PUT by digest,
    /// unchanged, so an index can refer to them. Nothing is tagged. Layers with external URLs are not copied.
    /// </summary>
    public async Task CopyManifestAsync(ImageReference source, PulledManifest manifest, ImageReference destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(destination);
        var target = destination.WithoutVersion();
        if (source.Registry == target.Registry && source.Repository == target.Repository)
        {
            return;
        }

        if (!MediaTypes.IsImageManifest(manifest.MediaType))
        {
            throw new RegistryException(
                $"manifest {manifest.Digest} of {source.RepositoryName} is a {manifest.MediaType}: only image manifests can be copied into {target.RepositoryName}",
                source.Registry, source.Repository);
        }

        var parsed = Parse(manifest.Bytes, ImageJsonContext.Default.ImageManifest, $"manifest {manifest.Digest}", source);
        if (parsed.Config is null || parsed.Layers is null)
        {
            throw new RegistryException($"manifest {manifest.Digest} of {source.RepositoryName} lacks its config or layers", source.Registry, source.Repository);
        }

        var from = source.WithoutVersion();
        var blobs = parsed.Layers.Where(l => l.Urls is not { Count: > 0 }).Prepend(parsed.Config).DistinctBy(b => b.Digest).ToList();
        await Parallel.ForEachAsync(
            blobs,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
            async (blob, ct) => await PushBlobAsync(target, blob, () => new LazyStream(c => OpenBlobAsync(from, blob, c), blob.Size, ct), from, ct).ConfigureAwait(false)).ConfigureAwait(false);
        await PushManifestAsync(target.WithDigest(manifest.Digest), manifest.Bytes, manifest.MediaType, cancellationToken).ConfigureAwait(false);
    }
}
