using System.Buffers;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>
/// Compresses fixed-size chunks of what is written into independent members (gzip members or zstd frames, both
/// concatenate into one valid stream) on worker threads, and writes them to the inner stream in order. Chunk
/// boundaries depend only on the data, so the output is the same whatever the number of threads.
/// </summary>
internal sealed class ParallelCompressionStream : Stream
{
    private readonly Stream _inner;
    private readonly Func<Stream, Stream> _createCompressor;
    private readonly int _chunkSize;
    private readonly int _maxInFlight;
    private readonly Queue<Task<(byte[] Buffer, int Length)>> _inFlight = new();
    private byte[] _chunk;
    private int _chunkLength;
    private bool _wroteAnything;
    private bool _finished;

    /// <param name="inner">Receives the compressed members, in order.</param>
    /// <param name="createCompressor">Wraps a destination in a compressor that writes one complete member when disposed.</param>
    public ParallelCompressionStream(Stream inner, Func<Stream, Stream> createCompressor, int chunkSize = 2 << 20, int? parallelism = null)
    {
        _inner = inner;
        _createCompressor = createCompressor;
        _chunkSize = chunkSize;
        _maxInFlight = Math.Max(1, parallelism ?? Environment.ProcessorCount) * 2;
        _chunk = ArrayPool<byte>.Shared.Rent(chunkSize);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var step = Math.Min(buffer.Length, _chunkSize - _chunkLength);
            buffer[..step].CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += step;
            buffer = buffer[step..];
            if (_chunkLength == _chunkSize)
            {
                Dispatch();
            }
        }
    }

    /// <summary>Compresses the last partial chunk and writes every pending member.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        if (_chunkLength > 0 || !_wroteAnything)
        {
            Dispatch();
        }

        while (_inFlight.Count > 0)
        {
            WriteOldest();
        }

        ArrayPool<byte>.Shared.Return(_chunk);
        _chunk = [];
        _finished = true;
    }

    public override void Flush()
    {
        // Members are only complete at chunk boundaries; Finish writes the rest.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            // Abandoned (an error upstream): let the workers end, return their buffers, write nothing more.
            foreach (var task in _inFlight)
            {
                try
                {
                    ArrayPool<byte>.Shared.Return(task.GetAwaiter().GetResult().Buffer);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                }
            }

            _inFlight.Clear();
            ArrayPool<byte>.Shared.Return(_chunk);
            _finished = true;
        }

        base.Dispose(disposing);
    }

    private void Dispatch()
    {
        var input = _chunk;
        var length = _chunkLength;
        _inFlight.Enqueue(Task.Run(() => Compress(input, length)));
        _wroteAnything = true;
        _chunk = ArrayPool<byte>.Shared.Rent(_chunkSize);
        _chunkLength = 0;
        while (_inFlight.Count >= _maxInFlight)
        {
            WriteOldest();
        }
    }

    private void WriteOldest()
    {
        var (buffer, length) = _inFlight.Dequeue().GetAwaiter().GetResult();
        try
        {
            _inner.Write(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private (byte[] Buffer, int Length) Compress(byte[] input, int length)
    {
        try
        {
            var output = new PooledBufferStream(length / 2 + 4096);
            using (var compressor = _createCompressor(output))
            {
                compressor.Write(input, 0, length);
            }

            return output.Detach();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }
}
