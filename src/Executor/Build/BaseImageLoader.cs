using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kaniko.Executor.Build;

/// <summary>What <see cref="BaseImageLoader.UnpackAsync"/> did: layers unpacked, and bytes fetched from registries on the way.</summary>
public sealed record UnpackResult(int Layers, long DownloadedBytes);

/// <summary>
/// Base images: <see cref="ResolveAsync"/> fetches manifest and config; <see cref="UnpackAsync"/> unpacks the
/// layers into a root in order, each while it downloads (later layers download ahead, a few in parallel), and
/// keeps every verified blob in the build's blob store for the push.
/// </summary>
public sealed class BaseImageLoader(RegistryClient client, string blobsDirectory, Platform platform, RegistryMirrors? mirrors = null, ILogger? logger = null)
{
    private const int ParallelDownloads = 3;

    /// <summary>Where each blob this loader resolved can be downloaded from.</summary>
    private readonly Dictionary<Digest, ImageReference> _sources = [];

    /// <summary>
    /// Resolves an image for the build's platform: manifest and verified config. The returned layers' paths
    /// are where <see cref="UnpackAsync"/> stores them; nothing is downloaded yet.
    /// </summary>
    public async Task<StageImage> ResolveAsync(string imageName, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(imageName, out var reference) || reference is null)
        {
            throw new FormatException($"'{imageName}' is not a valid image reference (e.g. registry.example.com/group/image:tag)");
        }

        var resolved = await ResolveThroughMirrorsAsync(reference, cancellationToken).ConfigureAwait(false);
        var layers = resolved.Manifest.Layers;
        var diffIds = resolved.Config.RootFs.DiffIds;
        if (layers.Count != diffIds.Count)
        {
            throw new FormatException(
                $"{resolved.Reference}: the manifest lists {layers.Count} layers but the config lists {diffIds.Count} diff_ids; the image is malformed, rebuild it");
        }

        foreach (var layer in layers)
        {
            _sources.TryAdd(layer.Digest, resolved.Reference);
        }

        return new StageImage(resolved.Config, layers.Select((l, i) => new ImageLayer(l, diffIds[i], StorePath(l.Digest))).ToList())
        {
            ManifestMediaType = resolved.Manifest.MediaType ?? MediaTypes.OciManifest,
        };
    }

    /// <summary>
    /// The image from the first of its registry's mirrors that has it, else from the registry itself (unless
    /// --skip-default-registry-fallback). Any failure of a mirror (missing image, refused, unreachable) moves on.
    /// </summary>
    private async Task<ResolvedImage> ResolveThroughMirrorsAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        var candidates = (mirrors ?? RegistryMirrors.None).Candidates(reference);
        var log = logger ?? NullLogger.Instance;
        var failures = new List<string>();
        foreach (var candidate in candidates)
        {
            var isLast = ReferenceEquals(candidate, candidates[^1]);
            try
            {
                var resolved = await client.ResolveImageAsync(candidate, platform, cancellationToken).ConfigureAwait(false);
                if (!ReferenceEquals(candidate, reference))
                {
                    Log.PulledFromMirror(log, reference.ToString(), candidate.ToString());
                }

                return resolved;
            }
            catch (RegistryException e) when (!isLast || !ReferenceEquals(candidate, reference))
            {
                failures.Add($"{candidate.Registry}: {e.Message}");
                if (!isLast)
                {
                    Log.MirrorFailed(log, candidate.ToString(), reference.ToString(), e.Message);
                }
            }
        }

        throw new RegistryException(
            $"{reference} is on none of its registry's mirrors, and --skip-default-registry-fallback forbids pulling it from {reference.Registry}: {string.Join("; ", failures)}",
            reference.Registry, reference.Repository);
    }

    /// <summary>
    /// Applies the image's layers to <paramref name="rootPath"/> in order. Layers already on disk are read from
    /// there; the others are downloaded (at most <see cref="ParallelDownloads"/> at a time, in layer order) and
    /// each is unpacked while it arrives. A layer counts as unpacked only after its download was verified (size
    /// and digest): a mismatch, or any other failed download, fails this call, so no build step ever runs on a
    /// root made from unverified bytes. A failure stops the other downloads and leaves no partial blob behind.
    /// </summary>
    public async Task<UnpackResult> UnpackAsync(StageImage image, string rootPath, IgnoreList ignore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var downloads = new Dictionary<Digest, BlobDownload>();
        Task scheduler = Task.CompletedTask;
        try
        {
            foreach (var layer in image.Layers)
            {
                if (!downloads.ContainsKey(layer.Descriptor.Digest) && !File.Exists(layer.Path))
                {
                    var source = _sources.GetValueOrDefault(layer.Descriptor.Digest)
                        ?? throw new InvalidOperationException($"layer {layer.Descriptor.Digest} is neither on disk ({layer.Path}) nor in an image resolved for this build");
                    downloads[layer.Descriptor.Digest] = new BlobDownload(client, source, layer.Descriptor, layer.Path);
                }
            }

            scheduler = DownloadAllAsync([.. downloads.Values], stop);
            var extractor = new LayerExtractor();
            BlobDownload? current = null;
            try
            {
                foreach (var layer in image.Layers)
                {
                    current = downloads.GetValueOrDefault(layer.Descriptor.Digest);
                    var stream = current?.OpenReader(stop.Token) ?? File.OpenRead(layer.Path);
                    await using (stream.ConfigureAwait(false))
                    {
                        await extractor.ExtractAsync(stream, layer.Descriptor.Digest.ToString(), rootPath, ignore, stop.Token).ConfigureAwait(false);

                        // The extractor may stop at the tar's end: the rest (padding, trailers) and the verdict on the digest.
                        await DrainAsync(stream, stop.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e)
            {
                // The extractor may report a cancelled read as a truncated layer: the build's cancellation wins.
                cancellationToken.ThrowIfCancellationRequested();
                throw await RootCauseAsync(e, current, downloads.Values, cancellationToken).ConfigureAwait(false);
            }

            await scheduler.ConfigureAwait(false);
            return new UnpackResult(image.Layers.Count, downloads.Values.Sum(d => d.Blob.Size));
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await scheduler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var download in downloads.Values)
            {
                await download.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts the downloads in layer order, a few at a time; the first failure stops everything.</summary>
    private static async Task DownloadAllAsync(IReadOnlyList<BlobDownload> downloads, CancellationTokenSource stop)
    {
        if (downloads.Count == 0)
        {
            return;
        }

        using var slots = new SemaphoreSlim(ParallelDownloads);
        var running = new List<Task>(downloads.Count);
        try
        {
            foreach (var download in downloads)
            {
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                running.Add(RunAsync(download));
            }
        }
        finally
        {
            foreach (var download in downloads)
            {
                download.AbandonIfNotStarted();
            }

            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        async Task RunAsync(BlobDownload download)
        {
            try
            {
                await download.StartAsync(stop.Token).ConfigureAwait(false);
                if (!download.Completion.IsCompletedSuccessfully)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>
    /// The error to report when unpacking failed: a failed download of the layer being unpacked explains a
    /// broken layer better than the extractor's complaint (a corrupted blob usually breaks decompression before
    /// its digest can be checked), so wait for its verdict. Else a failed download elsewhere, which stopped the
    /// extraction (the extractor then sees a cancelled or cut-off stream); else the extractor's own error.
    /// </summary>
    private static async Task<Exception> RootCauseAsync(Exception error, BlobDownload? current, IEnumerable<BlobDownload> downloads, CancellationToken cancellationToken)
    {
        if (current is not null)
        {
            await current.Completion.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            if (current.Completion.Exception?.InnerException is { } own)
            {
                return own;
            }

            if (current.Completion.IsCompletedSuccessfully && !IsCancellation(error))
            {
                return error;
            }
        }

        return downloads.Select(d => d.Completion.Exception?.InnerException).FirstOrDefault(e => e is not null) ?? error;
    }

    /// <summary>True for a cancellation, also one wrapped by the extractor (its read-ahead thread reports failures as IOException).</summary>
    private static bool IsCancellation(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 << 10];
        while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    private string StorePath(Digest digest) => Path.Combine(blobsDirectory, digest.Algorithm, digest.Encoded);
}
