using System.Buffers;
using System.Collections.Concurrent;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// Reads (and so decompresses) its source on a thread of its own, a few chunks ahead of the consumer, so that
/// decompression and writing files overlap. A failure of the source surfaces in the consumer's next read.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private const int ChunkSize = 1 << 20;

    private readonly BlockingCollection<(byte[] Buffer, int Count)> _chunks = new(boundedCapacity: 4);
    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private byte[]? _current;
    private int _currentOffset;
    private int _currentCount;
    private volatile Exception? _failure;

    public ReadAheadStream(Stream source, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _producer = Task.Factory.StartNew(
            () => Produce(source, _stop.Token),
            _stop.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_current is null || _currentOffset == _currentCount)
        {
            if (_current is not null)
            {
                ArrayPool<byte>.Shared.Return(_current);
                _current = null;
            }

            if (!_chunks.TryTake(out var chunk, Timeout.Infinite, _stop.Token))
            {
                if (_failure is not null)
                {
                    throw new IOException(_failure.Message, _failure);
                }

                return 0;
            }

            (_current, _currentCount) = chunk;
            _currentOffset = 0;
        }

        var step = Math.Min(buffer.Length, _currentCount - _currentOffset);
        _current.AsSpan(_currentOffset, step).CopyTo(buffer);
        _currentOffset += step;
        return step;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            try
            {
                _producer.Wait();
            }
            catch (AggregateException)
            {
                // Cancelled or failed: the consumer has seen the failure already or no longer cares.
            }

            while (_chunks.TryTake(out var chunk))
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }

            if (_current is not null)
            {
                ArrayPool<byte>.Shared.Return(_current);
                _current = null;
            }

            _chunks.Dispose();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Produce(Stream source, CancellationToken cancellationToken)
    {
        try
        {
            using (source)
            {
                while (true)
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    var count = 0;
                    int read;
                    while (count < ChunkSize && (read = source.Read(buffer, count, ChunkSize - count)) > 0)
                    {
                        count += read;
                    }

                    if (count == 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return;
                    }

                    try
                    {
                        _chunks.Add((buffer, count), cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return;
                    }
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _failure = exception;
        }
        finally
        {
            _chunks.CompleteAdding();
        }
    }
}
