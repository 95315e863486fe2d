namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>A read-only stream of some already-read bytes followed by the rest of the source (left open).</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream source) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

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
        if (_prefix.IsEmpty)
        {
            return source.Read(buffer);
        }

        var step = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..step].CopyTo(buffer);
        _prefix = _prefix[step..];
        return step;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}
