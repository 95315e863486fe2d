using System.Buffers;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;
using Microsoft.Win32.SafeHandles;

namespace Kaniko.Executor.Build;

/// <summary>
/// One layer blob on its way from the registry into the build's blob store. The bytes are written to a
/// <c>.partial</c> file as they arrive; readers (<see cref="OpenReader"/>) follow that file as it grows, so the
/// extractor can unpack a layer while it downloads (the file is the tee: one copy goes to disk for the push,
/// the reader takes it back from the page cache). A reader ends only once the whole blob arrived and its size
/// and digest were verified; when the download fails, the reader's next read throws the download's error.
/// A broken connection is resumed inside <see cref="RegistryClient.OpenBlobAsync"/> (Range requests continue
/// the same hash), so readers never see a byte twice. The verified file is renamed to its final path.
/// </summary>
internal sealed class BlobDownload : IAsyncDisposable
{
    private const int ChunkSize = 1 << 20;

    private readonly RegistryClient _client;
    private readonly ImageReference _repository;
    private readonly string _partialPath;
    private readonly SafeFileHandle _file;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _run;
    private long _written;
    private bool _disposed;

    public BlobDownload(RegistryClient client, ImageReference repository, Descriptor blob, string path)
    {
        _client = client;
        _repository = repository;
        Blob = blob;
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _partialPath = $"{path}.{Guid.NewGuid():N}.partial";
        _file = File.OpenHandle(_partialPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
    }

    public Descriptor Blob { get; }

    /// <summary>Where the verified blob ends up.</summary>
    public string Path { get; }

    /// <summary>Completes when the blob is verified and in place; faults with the download's error.</summary>
    public Task Completion => _done.Task;

    /// <summary>Bytes written to the file so far.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Starts the download (once).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _run ??= RunAsync(cancellationToken);
    }

    /// <summary>Ends a download that was never started (its readers see a cancellation).</summary>
    public void AbandonIfNotStarted()
    {
        if (_run is null)
        {
            _done.TrySetCanceled();
            Signal();
        }
    }

    /// <summary>A stream of the blob's bytes as they arrive; <paramref name="cancellationToken"/> ends its waits.</summary>
    public Stream OpenReader(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Reader(this, cancellationToken);
    }

    /// <summary>Waits for the download to end (without throwing) and closes the file; a failed download's file is deleted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        _done.TrySetCanceled();
        Signal();
        _file.Dispose();
        if (!_done.Task.IsCompletedSuccessfully)
        {
            File.Delete(_partialPath);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var source = await _client.OpenBlobAsync(_repository, Blob, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                // Whole chunks: one write and one wake-up of the readers per MiB, not per network read.
                // The read that returns 0 has checked size and digest (BlobReadStream).
                var ended = false;
                while (!ended)
                {
                    var n = 0;
                    while (n < ChunkSize)
                    {
                        var read = await source.ReadAsync(buffer.AsMemory(n, ChunkSize - n), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            ended = true;
                            break;
                        }

                        n += read;
                    }

                    if (n > 0)
                    {
                        await RandomAccess.WriteAsync(_file, buffer.AsMemory(0, n), _written, cancellationToken).ConfigureAwait(false);
                        Volatile.Write(ref _written, _written + n);
                        Signal();
                    }
                }
            }

            File.Move(_partialPath, Path, overwrite: true);
            _done.TrySetResult();
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            _done.TrySetCanceled(e.CancellationToken);
        }
        catch (Exception e)
        {
            _done.TrySetException(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Signal();
        }
    }

    /// <summary>
    /// At the end of the written bytes of a finished download: returns when it was verified, else throws its
    /// error. A stopped download throws an IOException (not a cancellation, which a reader could take for the end).
    /// </summary>
    private void ThrowUnlessVerified()
    {
        var completion = Completion;
        if (completion.IsCanceled)
        {
            throw new IOException($"the download of blob {Blob.Digest} from {_repository} was stopped", new OperationCanceledException());
        }

        completion.GetAwaiter().GetResult();
    }

    /// <summary>Wakes every reader waiting for bytes or the end.</summary>
    private void Signal() =>
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Reads the blob from the file up to what was written; at the written end it waits for more, and at the
    /// blob's end for the verdict. Small reads (a decompressor asks for a few KiB at a time) are served from a
    /// buffer filled by one larger read, to save system calls. Not seekable: read once, front to back.
    /// </summary>
    private sealed class Reader(BlobDownload download, CancellationToken waitToken) : Stream
    {
        private const int BufferSize = 256 << 10;
        private const int DirectReadSize = 64 << 10;

        private byte[]? _buffer;
        private int _bufferOffset;
        private int _bufferCount;

        /// <summary>File offset of the next byte not yet read from the file (buffered bytes come before it).</summary>
        private long _filePosition;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => download.Blob.Size;

        public override long Position
        {
            get => _filePosition - (_bufferCount - _bufferOffset);
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (TakeBuffered(buffer) is > 0 and var buffered)
            {
                return buffered;
            }

            while (true)
            {
                // Take the signal before looking at the state, so a write in between still wakes us.
                var progress = Volatile.Read(ref download._progress).Task;
                var available = download.Written - _filePosition;
                if (available > 0)
                {
                    if (buffer.Length >= DirectReadSize)
                    {
                        var n = RandomAccess.Read(download._file, buffer[..(int)Math.Min(buffer.Length, available)], _filePosition);
                        _filePosition += n;
                        return n;
                    }

                    _buffer ??= new byte[BufferSize];
                    _bufferCount = RandomAccess.Read(download._file, _buffer.AsSpan(0, (int)Math.Min(BufferSize, available)), _filePosition);
                    _bufferOffset = 0;
                    _filePosition += _bufferCount;
                    return TakeBuffered(buffer);
                }

                if (download.Completion.IsCompleted)
                {
                    // The last bytes are written before the end is announced: look once more.
                    if (download.Written > _filePosition)
                    {
                        continue;
                    }

                    download.ThrowUnlessVerified();
                    return 0;
                }

                progress.Wait(waitToken);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (TakeBuffered(buffer.Span) is > 0 and var buffered)
            {
                return buffered;
            }

            while (true)
            {
                var progress = Volatile.Read(ref download._progress).Task;
                var available = download.Written - _filePosition;
                if (available > 0)
                {
                    var n = await RandomAccess.ReadAsync(download._file, buffer[..(int)Math.Min(buffer.Length, available)], _filePosition, cancellationToken).ConfigureAwait(false);
                    _filePosition += n;
                    return n;
                }

                if (download.Completion.IsCompleted)
                {
                    if (download.Written > _filePosition)
                    {
                        continue;
                    }

                    download.ThrowUnlessVerified();
                    return 0;
                }

                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, waitToken);
                await progress.WaitAsync(both.Token).ConfigureAwait(false);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int TakeBuffered(Span<byte> destination)
        {
            var count = Math.Min(destination.Length, _bufferCount - _bufferOffset);
            if (count <= 0)
            {
                return 0;
            }

            _buffer.AsSpan(_bufferOffset, count).CopyTo(destination);
            _bufferOffset += count;
            return count;
        }
    }
}
