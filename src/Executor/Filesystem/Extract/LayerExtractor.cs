using Kaniko.Executor.Filesystem.Extract;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Tar;
using ZstdSharp;

namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Unpacks a layer blob (gzip, zstd or plain tar, recognized by magic bytes) over a root folder. Three kinds of
/// thread share the work: one decompresses into a bounded set of chunks, the caller's parses the tar and applies
/// everything but file contents, and writer threads create regular files straight from the chunks.
/// </summary>
public sealed class LayerExtractor
{
    private const int ChunkSize = 1 << 20;

    /// <summary>Decompressed data in flight (read ahead, or waiting in queued files): the bulk of the memory used.</summary>
    private const int MaxChunks = 32;

    /// <summary>Files up to this size go to the writer threads whole; larger ones are written as they are read.</summary>
    private const long QueuedFileMaxSize = MaxChunks / 4 * (long)ChunkSize;

    private readonly Action<string>? _warning;
    private readonly int _writerThreads;

    /// <param name="warning">Receives tolerated problems (device nodes or ownership not permitted), once per kind and layer.</param>
    public LayerExtractor(Action<string>? warning = null)
        : this(warning, DefaultWriterThreads)
    {
    }

    /// <param name="warning">As in the public constructor.</param>
    /// <param name="writerThreads">Threads writing regular files; 0 writes them on the thread reading the tar.</param>
    internal LayerExtractor(Action<string>? warning, int writerThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(writerThreads);
        _warning = warning;
        _writerThreads = writerThreads;
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

    /// <summary>Writer threads: one per core, at most 4 (file creation in one directory does not scale further).</summary>
    private static int DefaultWriterThreads =>
        int.TryParse(Environment.GetEnvironmentVariable("KANIKO_EXTRACT_WRITERS"), out var n) ? n : Math.Clamp(Environment.ProcessorCount, 1, 4);

    private void Extract(Stream layer, string layerName, string rootPath, IgnoreList ignore, CancellationToken ct)
    {
        var root = new RootFs(rootPath);
        TarEntryHeader? entry = null;
        try
        {
            using var pump = new DecompressionPump(LayerCompressionDetector.OpenDecompressed(layer), ChunkSize, MaxChunks, ct);
            using var reader = new TarStreamReader(pump, layerName);
            using var applier = new EntryApplier(root, ignore, layerName, new ExtractionWarnings(layerName, _warning), _writerThreads, QueuedFileMaxSize, CreationDefaults.ForThisProcess());
            while ((entry = reader.ReadNext()) is not null)
            {
                ct.ThrowIfCancellationRequested();
                applier.Apply(entry, reader);
            }

            applier.Complete();

            // Read to the end (tar padding, gzip trailer): a caller hashing the blob sees every byte.
            reader.DrainToEnd();
        }
        catch (EntryWriteException)
        {
            throw;
        }
        catch (IOException exception) when (exception.InnerException is InvalidDataException or ZstdException)
        {
            throw new LayerFormatException(layerName, entry?.Name, $"corrupt compressed data: {exception.InnerException.Message}", exception);
        }
        catch (IOException exception)
        {
            throw new IOException($"layer {layerName}{(entry is null ? "" : $", entry '{PathEncoding.Display(entry.Name)}'")}: {exception.Message}", exception);
        }
    }
}
