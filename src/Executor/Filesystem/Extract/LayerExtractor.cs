using Kaniko.Executor.Filesystem.Extract;
using Kaniko.Executor.Filesystem.Tar;
using ZstdSharp;

namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Unpacks a layer blob (gzip, zstd or plain tar, recognized by magic bytes) over a root folder. Decompression
/// runs on its own thread, a few megabytes ahead of the thread writing files.
/// </summary>
public sealed class LayerExtractor
{
    private readonly Action<string>? _warning;

    /// <param name="warning">Receives tolerated problems (device nodes or ownership not permitted), once per kind and layer.</param>
    public LayerExtractor(Action<string>? warning = null)
    {
        _warning = warning;
    }

    /// <summary>
    /// Applies the layer to <paramref name="rootPath"/>. The stream is read to its end but not disposed (the caller
    /// may verify its digest). Malformed or hostile content raises <see cref="LayerFormatException"/>.
    /// </summary>
    public Task ExtractAsync(Stream layer, string layerName, string rootPath, IgnoreList ignore, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(ignore);
        return Task.Run(() => Extract(layer, layerName, rootPath, ignore, ct), ct);
    }

    private void Extract(Stream layer, string layerName, string rootPath, IgnoreList ignore, CancellationToken ct)
    {
        var root = new RootFs(rootPath);
        var copyBuffer = new byte[1 << 20];
        var applier = new EntryApplier(root, ignore, layerName, new ExtractionWarnings(layerName, _warning), copyBuffer);
        TarEntryHeader? entry = null;
        try
        {
            using var decompressed = new ReadAheadStream(LayerCompressionDetector.OpenDecompressed(layer), ct);
            using var reader = new TarStreamReader(decompressed, layerName);
            while ((entry = reader.ReadNext()) is not null)
            {
                ct.ThrowIfCancellationRequested();
                applier.Apply(entry, reader);
            }

            applier.Complete();

            // Read to the end (tar padding, gzip trailer): a caller hashing the blob sees every byte.
            var rest = copyBuffer.AsSpan(0, 64 << 10);
            while (decompressed.Read(rest) > 0)
            {
            }
        }
        catch (IOException exception) when (exception.InnerException is InvalidDataException or ZstdException)
        {
            throw new LayerFormatException(layerName, entry?.Name, $"corrupt compressed data: {exception.InnerException.Message}", exception);
        }
        catch (IOException exception)
        {
            throw new IOException($"layer {layerName}{(entry is null ? "" : $", entry '{entry.Name}'")}: {exception.Message}", exception);
        }
    }
}
