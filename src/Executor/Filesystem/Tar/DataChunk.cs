namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>
/// A buffer of consecutive archive bytes, shared by reference count: the tar reader holds it while reading, and
/// each consumer that keeps a slice of it (a file still to be written) adds a reference. The last release hands
/// the buffer back to whoever produced it.
/// </summary>
internal sealed class DataChunk
{
    private readonly Action<DataChunk> _onFree;
    private int _references;

    public DataChunk(byte[] buffer, Action<DataChunk> onFree)
    {
        Buffer = buffer;
        _onFree = onFree;
    }

    public byte[] Buffer { get; }

    /// <summary>Bytes of <see cref="Buffer"/> that hold data.</summary>
    public int Count { get; private set; }

    /// <summary>Makes the chunk live again with <paramref name="count"/> bytes and one reference (its producer's).</summary>
    public void Reset(int count)
    {
        Count = count;
        Volatile.Write(ref _references, 1);
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _onFree(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("data chunk released more often than referenced");
        }
    }
}

/// <summary>A sequence of chunks; each returned chunk carries one reference that passes to the caller.</summary>
internal interface IDataChunkSource
{
    /// <summary>The next chunk (never empty), or null at the end of the data.</summary>
    DataChunk? Next();
}

/// <summary>Chunks read from a stream into pooled buffers (tests and callers without a decompression thread).</summary>
internal sealed class StreamChunkSource(Stream source, int chunkSize) : IDataChunkSource
{
    public DataChunk? Next()
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(chunkSize);
        var count = source.Read(buffer, 0, chunkSize);
        if (count == 0)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }

        var chunk = new DataChunk(buffer, static free => System.Buffers.ArrayPool<byte>.Shared.Return(free.Buffer));
        chunk.Reset(count);
        return chunk;
    }
}
