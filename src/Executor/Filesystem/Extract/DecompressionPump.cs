using System.Buffers;
using Kaniko.Executor.Filesystem.Tar;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// Reads (and so decompresses) its source on a thread of its own into a bounded set of chunks, so that
/// decompression runs alongside parsing and file writing. Chunks come back for reuse once every holder (the tar
/// reader, files waiting to be written) has released them; when all are held, decompression waits, which bounds
/// memory to <c>chunkSize × maxChunks</c> whatever the layer's size. A failure of the source surfaces in
/// <see cref="Next"/>.
/// </summary>
internal sealed class DecompressionPump : IDataChunkSource, IDisposable
{
    private static readonly TimeSpan _joinTimeout = TimeSpan.FromSeconds(10);

    private readonly object _sync = new();
    private readonly Queue<DataChunk> _filled = new();
    private readonly Stack<DataChunk> _free = new();
    private readonly int _chunkSize;
    private readonly int _maxChunks;
    private readonly CancellationTokenSource _stop;
    private readonly Thread _thread;
    private Stream? _source;
    private int _allocated;
    private bool _ended;
    private bool _disposed;
    private Exception? _failure;

    public DecompressionPump(Stream source, int chunkSize, int maxChunks, CancellationToken cancellationToken)
    {
        _source = source;
        _chunkSize = chunkSize;
        _maxChunks = maxChunks;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _thread = new Thread(Produce) { IsBackground = true, Name = "layer decompression" };
        _thread.Start();
    }

    public DataChunk? Next()
    {
        lock (_sync)
        {
            while (_filled.Count == 0 && !_ended)
            {
                Monitor.Wait(_sync);
            }

            if (_filled.Count > 0)
            {
                return _filled.Dequeue();
            }
        }

        _stop.Token.ThrowIfCancellationRequested();
        return _failure is null ? null : throw new IOException(_failure.Message, _failure);
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_sync);
        }

        // The thread may sit in a read of the caller's stream (a stalled download): give up waiting after a while;
        // it ends at its next read, and whatever it holds then goes to the garbage collector.
        _stop.Cancel();
        _thread.Join(_joinTimeout);
        List<DataChunk> unread;
        lock (_sync)
        {
            unread = [.. _filled];
            _filled.Clear();
        }

        foreach (var chunk in unread)
        {
            chunk.Release();
        }

        lock (_sync)
        {
            while (_free.TryPop(out var chunk))
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }

        _stop.Dispose();
    }

    private void Produce()
    {
        try
        {
            using var source = _source!;
            _source = null;
            while (true)
            {
                var chunk = Rent();
                if (chunk is null)
                {
                    return;
                }

                var count = 0;
                int read;
                while (count < _chunkSize && (read = source.Read(chunk.Buffer, count, _chunkSize - count)) > 0)
                {
                    count += read;
                    _stop.Token.ThrowIfCancellationRequested();
                }

                chunk.Reset(count);
                if (count == 0)
                {
                    chunk.Release();
                    return;
                }

                lock (_sync)
                {
                    _filled.Enqueue(chunk);
                    Monitor.PulseAll(_sync);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            _failure = exception;
        }
        finally
        {
            lock (_sync)
            {
                _ended = true;
                Monitor.PulseAll(_sync);
            }
        }
    }

    /// <summary>A free chunk, waiting while all are held; null once disposed.</summary>
    private DataChunk? Rent()
    {
        lock (_sync)
        {
            while (true)
            {
                if (_disposed || _stop.IsCancellationRequested)
                {
                    return null;
                }

                if (_free.TryPop(out var chunk))
                {
                    return chunk;
                }

                if (_allocated < _maxChunks)
                {
                    _allocated++;
                    return new DataChunk(ArrayPool<byte>.Shared.Rent(_chunkSize), Return);
                }

                Monitor.Wait(_sync);
            }
        }
    }

    private void Return(DataChunk chunk)
    {
        lock (_sync)
        {
            if (_disposed && _ended)
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
                return;
            }

            _free.Push(chunk);
            Monitor.PulseAll(_sync);
        }
    }
}
