using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Build;

/// <summary>Pulls base images (manifest, config, verified layers kept on local disk) and unpacks them into a root.</summary>
public sealed class BaseImageLoader(RegistryClient client, string blobsDirectory, Platform platform)
{
    private const int ParallelDownloads = 3;

    public async Task<StageImage> PullAsync(string imageName, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(imageName, out var reference) || reference is null)
        {
            throw new FormatException($"'{imageName}' is not a valid image reference (e.g. registry.example.com/group/image:tag)");
        }

        var resolved = await client.ResolveImageAsync(reference, platform, cancellationToken).ConfigureAwait(false);
        var layers = resolved.Manifest.Layers;
        var diffIds = resolved.Config.RootFs.DiffIds;
        if (layers.Count != diffIds.Count)
        {
            throw new FormatException(
                $"{resolved.Reference}: the manifest lists {layers.Count} layers but the config lists {diffIds.Count} diff_ids; the image is malformed, rebuild it");
        }

        var paths = new string[layers.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, layers.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelDownloads, CancellationToken = cancellationToken },
            async (i, ct) => paths[i] = await DownloadAsync(resolved.Reference, layers[i], ct).ConfigureAwait(false)).ConfigureAwait(false);

        return new StageImage(resolved.Config, layers.Select((l, i) => new ImageLayer(l, diffIds[i], paths[i])).ToList())
        {
            ManifestMediaType = resolved.Manifest.MediaType ?? MediaTypes.OciManifest,
        };
    }

    public static async Task ExtractAsync(StageImage image, string rootPath, IgnoreList ignore, CancellationToken cancellationToken)
    {
        var extractor = new LayerExtractor();
        foreach (var layer in image.Layers)
        {
            var stream = File.OpenRead(layer.Path);
            await using (stream.ConfigureAwait(false))
            {
                await extractor.ExtractAsync(stream, layer.Descriptor.Digest.ToString(), rootPath, ignore, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Downloads one blob into the local store; the store only ever holds complete, verified blobs.</summary>
    private async Task<string> DownloadAsync(ImageReference repository, Descriptor layer, CancellationToken cancellationToken)
    {
        var path = Path.Combine(blobsDirectory, layer.Digest.Algorithm, layer.Digest.Encoded);
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            var source = await client.OpenBlobAsync(repository, layer, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                var target = File.Create(temporary);
                await using (target.ConfigureAwait(false))
                {
                    await source.CopyToAsync(target, 1 << 20, cancellationToken).ConfigureAwait(false);
                }
            }

            File.Move(temporary, path, overwrite: true);
            return path;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
