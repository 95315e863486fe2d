using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Build.Cache;

/// <summary>
/// kaniko's remote layer cache: each cached step is an image <c>REPOSITORY:KEY</c> holding the step's layer
/// (none when the step changed nothing), its history entry, and the time it was stored (the config's
/// <c>created</c>, for --cache-ttl). Lookups pull and verify the layer; stores push in the background, a few
/// at a time, while the build goes on. The cache never fails a build: when the repository cannot be read,
/// the build goes on without the cache; when a store fails, later layers are not stored. Both are warnings.
/// </summary>
public sealed class LayerCache : IAsyncDisposable
{
    private const int ParallelPushes = 2;

    private static readonly HashSet<string> _layerMediaTypes = new(StringComparer.Ordinal)
    {
        MediaTypes.OciLayerGzip, MediaTypes.OciLayerZstd, MediaTypes.OciLayer, MediaTypes.DockerLayerGzip,
    };

    private readonly RegistryClient _client;
    private readonly Platform _platform;
    private readonly string _layersDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _pushGate = new(ParallelPushes);
    private readonly List<Task> _pending = [];
    private volatile bool _unusable;
    private volatile bool _storeFailed;

    public LayerCache(RegistryClient client, LayerCacheOptions options, Platform platform, string layersDirectory, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(platform);
        _client = client;
        Options = options;
        _platform = platform;
        _layersDirectory = layersDirectory;
        _time = time;
        _logger = logger;
    }

    public LayerCacheOptions Options { get; }

    /// <summary>False once the cache repository proved unreadable (unreachable, refused).</summary>
    public bool CanLookUp => !_unusable;

    /// <summary>False with --no-push-cache, once the repository proved unusable, or after a store failed.</summary>
    public bool CanStore => Options.Push && !_unusable && !_storeFailed;

    /// <summary>The image name of a step's entry.</summary>
    public ImageReference EntryReference(string key) => Options.Repository.WithTag(key);

    /// <summary>Looks up a step; a hit has its layer downloaded and verified. Null on a miss (absent, expired, unreadable).</summary>
    /// <param name="command">The instruction, for the log.</param>
    public async Task<CachedLayer?> LookupAsync(string key, string command, CancellationToken cancellationToken)
    {
        if (!CanLookUp)
        {
            return null;
        }

        var reference = EntryReference(key);
        Log.Checking(_logger, reference.ToString());
        try
        {
            var hit = await FetchAsync(reference, cancellationToken).ConfigureAwait(false);
            if (hit is null)
            {
                Log.NotFound(_logger, command);
                return null;
            }

            Log.UsingCached(_logger, command);
            return hit;
        }
        catch (RegistryException e) when (e.StatusCode == 404)
        {
            Log.NotFound(_logger, command);
            return null;
        }
        catch (RegistryException e)
        {
            _unusable = true;
            Log.Unusable(_logger, Options.Repository.RepositoryName, e.Message);
            return null;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            Log.BadEntry(_logger, reference.ToString(), e.Message);
            return null;
        }
    }

    /// <summary>
    /// Stores a step's layer (null: the step changed nothing) under its key, in the background. The layer file
    /// must stay until <see cref="FlushAsync"/> or <see cref="DisposeAsync"/> has returned.
    /// </summary>
    public void Store(string key, ImageLayer? layer, HistoryEntry history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (!CanStore)
        {
            return;
        }

        var reference = EntryReference(key);
        Log.Pushing(_logger, reference.ToString());
        var push = Task.Run(() => PushEntryAsync(reference, layer, history, cancellationToken), CancellationToken.None);
        lock (_pending)
        {
            _pending.Add(push);
        }
    }

    /// <summary>Waits for the stores started so far; their failures were logged as warnings.</summary>
    public async Task FlushAsync()
    {
        Task[] pending;
        lock (_pending)
        {
            pending = [.. _pending];
            _pending.Clear();
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        _pushGate.Dispose();
    }

    private async Task<CachedLayer?> FetchAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        var entry = await _client.ResolveImageAsync(reference, _platform, cancellationToken).ConfigureAwait(false);
        var layers = entry.Manifest.Layers;
        var diffIds = entry.Config.RootFs.DiffIds;
        if (layers.Count > 1 || layers.Count != diffIds.Count || layers.Any(l => !_layerMediaTypes.Contains(l.MediaType)))
        {
            throw new FormatException($"{reference} is not a layer cache entry (it has {layers.Count} layers and {diffIds.Count} diff_ids; expected at most one layer of a known type)");
        }

        var stored = entry.Config.Created;
        if (stored is null || stored.Value + Options.Ttl < _time.GetUtcNow())
        {
            Log.Expired(_logger, reference.ToString(), stored?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", Options.TtlText);
            return null;
        }

        if (layers.Count == 0)
        {
            return new CachedLayer(null);
        }

        var path = await DownloadAsync(entry.Reference, layers[0], cancellationToken).ConfigureAwait(false);
        return new CachedLayer(new ImageLayer(layers[0], diffIds[0], path));
    }

    /// <summary>Downloads a layer blob next to the build's own layers, as base layers are: verified, then named.</summary>
    private async Task<string> DownloadAsync(ImageReference repository, Descriptor layer, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_layersDirectory, $"cache-{layer.Digest.Encoded}");
        if (File.Exists(path))
        {
            return path;
        }

        var download = new BlobDownload(_client, repository, layer, path);
        await using (download.ConfigureAwait(false))
        {
            await download.StartAsync(cancellationToken).ConfigureAwait(false);
            await download.Completion.ConfigureAwait(false);
        }

        return path;
    }

    private async Task PushEntryAsync(ImageReference reference, ImageLayer? layer, HistoryEntry history, CancellationToken cancellationToken)
    {
        try
        {
            await _pushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!CanStore)
                {
                    return;
                }

                var repository = reference.WithoutVersion();
                var config = new ImageConfig
                {
                    Created = _time.GetUtcNow(),
                    Architecture = _platform.Architecture,
                    Os = _platform.Os,
                    Variant = _platform.Variant,
                    RootFs = new RootFs("layers", layer is null ? [] : [layer.DiffId]),
                    History = [history with { EmptyLayer = layer is null ? true : null }],
                };
                var configBytes = ImageJson.Serialize(config);
                var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Sha256Of(configBytes), configBytes.Length);
                if (layer is not null)
                {
                    await _client.PushBlobAsync(repository, layer.Descriptor, () => File.OpenRead(layer.Path), cancellationToken).ConfigureAwait(false);
                }

                await _client.PushBlobAsync(repository, configDescriptor, () => new MemoryStream(configBytes, writable: false), cancellationToken).ConfigureAwait(false);
                var manifest = new ImageManifest(2, MediaTypes.OciManifest, configDescriptor, layer is null ? [] : [layer.Descriptor]);
                await _client.PushManifestAsync(reference, ImageJson.Serialize(manifest), MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _pushGate.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The build was cancelled; it reports that itself.
        }
        catch (Exception e)
        {
            // A store never fails the build. After one failure the others would most likely fail too: stop storing.
            if (!_storeFailed)
            {
                _storeFailed = true;
                Log.StoreFailed(_logger, reference.ToString(), e.Message);
            }
        }
    }
}
