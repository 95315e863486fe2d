using System.IO.Compression;
using Kaniko.Executor.Image;
using ZstdSharp;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>
/// Turns a tar stream into a finished layer file in one pass: tar → SHA-256 (diff id) → compressor → SHA-256
/// (digest) and size → temporary file, renamed to its digest only when complete.
/// </summary>
internal sealed class LayerBlobWriter : IDisposable
{
    private readonly string _outputDirectory;
    private readonly string _temporaryPath;
    private readonly LayerCompression _compression;
    private readonly FileStream _file;
    private readonly HashingWriteStream _compressedHash;
    private readonly ParallelCompressionStream? _compressor;
    private readonly HashingWriteStream _tarHash;
    private bool _completed;

    public LayerBlobWriter(string outputDirectory, LayerCompression compression, int? level)
    {
        Directory.CreateDirectory(outputDirectory);
        _outputDirectory = outputDirectory;
        _compression = compression;
        _temporaryPath = Path.Combine(outputDirectory, $".layer-{Guid.NewGuid():N}.partial");
        _file = new FileStream(_temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        _compressedHash = new HashingWriteStream(_file);
        _compressor = compression switch
        {
            LayerCompression.Gzip => new ParallelCompressionStream(_compressedHash, destination =>
                new GZipStream(destination, new ZLibCompressionOptions { CompressionLevel = level ?? 1 }, leaveOpen: true)),
            LayerCompression.Zstd => new ParallelCompressionStream(_compressedHash, destination =>
                new CompressionStream(destination, level ?? 3, bufferSize: 1 << 17, leaveOpen: true)),
            _ => null,
        };
        _tarHash = _compressor is null ? _compressedHash : new HashingWriteStream(_compressor);
    }

    /// <summary>Where the uncompressed tar goes.</summary>
    public Stream TarStream => _tarHash;

    public LayerFile Complete()
    {
        var diffId = Digest.FromSha256Hash(_tarHash.GetHash());
        _compressor?.Finish();
        _compressor?.Dispose();
        _file.Flush(flushToDisk: false);
        var digest = Digest.FromSha256Hash(_compressedHash.GetHash());
        var size = _compressedHash.Length;
        _file.Dispose();
        if (!ReferenceEquals(_tarHash, _compressedHash))
        {
            _tarHash.Dispose();
        }

        _compressedHash.Dispose();
        var (extension, mediaType) = _compression switch
        {
            LayerCompression.Gzip => (".tar.gz", MediaTypes.OciLayerGzip),
            LayerCompression.Zstd => (".tar.zst", MediaTypes.OciLayerZstd),
            _ => (".tar", MediaTypes.OciLayer),
        };
        var finalPath = Path.Combine(_outputDirectory, digest.Encoded + extension);
        File.Move(_temporaryPath, finalPath, overwrite: true);
        _completed = true;
        return new LayerFile(finalPath, new Descriptor(mediaType, digest, size), diffId);
    }

    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        if (!ReferenceEquals(_tarHash, _compressedHash))
        {
            _tarHash.Dispose();
        }

        _compressor?.Dispose();
        _compressedHash.Dispose();
        _file.Dispose();
        File.Delete(_temporaryPath);
    }
}
