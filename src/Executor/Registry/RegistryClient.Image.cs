using Kaniko.Executor.Image;
using Kaniko.Executor.Image.Outputs;

namespace Kaniko.Executor.Registry;

public sealed partial class RegistryClient
{
    private const int ParallelUploads = 3;

    /// <summary>
    /// Pushes a whole image to every destination: all blobs first (each uploaded once per registry, mounted or
    /// found present for further repositories there; a few layers at a time), then the manifests, so a failed
    /// push leaves no tag behind. Returns the manifest digest.
    /// </summary>
    public async Task<Digest> PushImageAsync(ImageContent image, IReadOnlyList<ImageReference> destinations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(destinations);
        foreach (var destination in destinations)
        {
            await Parallel.ForEachAsync(
                image.Layers.DistinctBy(l => l.Digest),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
                async (layer, ct) => await PushBlobAsync(destination, layer, () => OpenSync(image, layer, ct), ct).ConfigureAwait(false)).ConfigureAwait(false);
            await PushBlobAsync(destination, image.Config, () => new MemoryStream(image.ConfigBytes.ToArray(), writable: false), cancellationToken).ConfigureAwait(false);
        }

        var digest = image.ManifestDigest;
        foreach (var destination in destinations)
        {
            await PushManifestAsync(destination, image.ManifestBytes, image.ManifestMediaType, cancellationToken).ConfigureAwait(false);
        }

        return digest;
    }

    private static Stream OpenSync(ImageContent image, Descriptor layer, CancellationToken cancellationToken) =>
        image.OpenLayer(layer, cancellationToken).GetAwaiter().GetResult();
}
