using System.Buffers;
using System.IO.Pipelines;

namespace Kaniko.CredProxy.Routing;

/// <summary>
/// A request body read in pieces of at least <see cref="PieceSize"/> bytes (up to the reader's buffer): a read waits
/// until that much has arrived, or the body has ended, before handing it on. Kestrel receives in 4 KiB blocks and a read otherwise returns whatever came
/// last, so each blob upload would go upstream as hundreds of thousands of small writes, each a send and a wake-up.
/// </summary>
internal sealed class CoalescingBodyStream(PipeReader reader) : Stream
{
    public const int PieceSize = 64 * 1024;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var wanted = Math.Min(buffer.Length, PieceSize);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var available = result.Buffer;
            if (available.Length >= wanted || result.IsCompleted || result.IsCanceled)
            {
                var length = (int)Math.Min(available.Length, buffer.Length);
                available.Slice(0, length).CopyTo(buffer.Span);
                reader.AdvanceTo(available.GetPosition(length));
                return length;
            }

            // Nothing consumed, everything examined: the next read waits for more data.
            reader.AdvanceTo(available.Start, available.End);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
