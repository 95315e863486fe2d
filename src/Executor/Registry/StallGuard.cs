namespace Kaniko.Executor.Registry;

/// <summary>
/// Calls <c>onStall</c> once when no progress was reported for the stall timeout: the one timeout a
/// streaming body has, so a transfer may take as long as it needs while bytes keep moving.
/// </summary>
internal sealed class StallGuard : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly Action _onStall;
    private readonly ITimer _timer;
    private long _lastProgress;
    private int _fired;

    public StallGuard(TimeProvider time, TimeSpan timeout, Action onStall)
    {
        _time = time;
        _timeout = timeout;
        _onStall = onStall;
        _lastProgress = time.GetTimestamp();
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, timeout.Ticks / 4));
        _timer = time.CreateTimer(_ => Check(), null, period, period);
    }

    public bool Stalled => Volatile.Read(ref _fired) != 0;

    public void Progress() => Volatile.Write(ref _lastProgress, _time.GetTimestamp());

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        if (_time.GetElapsedTime(Volatile.Read(ref _lastProgress)) < _timeout || Interlocked.Exchange(ref _fired, 1) != 0)
        {
            return;
        }

        _timer.Dispose();
        try
        {
            _onStall();
        }
        catch (ObjectDisposedException)
        {
            // The transfer finished while the guard fired: nothing left to abort.
        }
    }
}

/// <summary>
/// Reports every read to a <see cref="StallGuard"/> and checks the length of an upload body: content shorter or
/// longer than its descriptor says throws <see cref="InvalidDataException"/> (the local file changed).
/// </summary>
internal sealed class ProgressStream(Stream inner, StallGuard guard, long? expectedLength) : Stream
{
    private long _count;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        return Count(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Count(n);
    }

    private int Count(int n)
    {
        guard.Progress();
        _count += n;
        if (expectedLength is { } expected && (_count > expected || (n == 0 && _count != expected)))
        {
            throw new InvalidDataException($"the content to upload has {(n == 0 ? "only " : "more than ")}{_count} bytes, not the {expected} of its descriptor: it changed after it was described");
        }

        return n;
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
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
