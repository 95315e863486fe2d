using System.Buffers;
using System.Text;

using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>
/// Writes ustar headers, preceded by a PAX extended header when a field does not fit or extended attributes
/// are present (what Go's archive/tar, and so docker and kaniko, produce). Numeric owners only, whole-second mtimes.
/// </summary>
internal sealed class TarStreamWriter : IDisposable
{
    private const int BlockSize = TarHeaderBlock.Size;

    private readonly Stream _destination;
    private readonly byte[] _buffer;
    private int _buffered;
    private long _dataRemaining;
    private long _padding;

    public TarStreamWriter(Stream destination, int bufferSize = 1 << 17)
    {
        _destination = destination;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    public void WriteEntry(TarEntryHeader header)
    {
        if (_dataRemaining != 0)
        {
            throw new InvalidOperationException($"{_dataRemaining} bytes of the previous entry's data were not written");
        }

        WritePadding();
        var size = header.Type == TarEntryType.RegularFile ? header.Size : 0;
        var pax = new List<KeyValuePair<string, byte[]>>();
        var (name, prefix) = SplitName(header.Name);
        if (name is null)
        {
            pax.Add(new("path", PathEncoding.GetBytes(header.Name)));
            name = Truncate(header.Name, 100);
            prefix = "";
        }

        var linkName = header.LinkName;
        if (!FitsUstar(linkName, 100))
        {
            pax.Add(new("linkpath", PathEncoding.GetBytes(linkName)));
            linkName = Truncate(linkName, 100);
        }

        long uid = header.Uid;
        long gid = header.Gid;
        if (uid > TarHeaderBlock.MaxOctal(8))
        {
            pax.Add(new("uid", Encoding.ASCII.GetBytes(uid.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            uid = 0;
        }

        if (gid > TarHeaderBlock.MaxOctal(8))
        {
            pax.Add(new("gid", Encoding.ASCII.GetBytes(gid.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            gid = 0;
        }

        var ustarSize = size;
        if (size > TarHeaderBlock.MaxOctal(12))
        {
            pax.Add(new("size", Encoding.ASCII.GetBytes(size.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            ustarSize = 0;
        }

        var mtime = header.MtimeSeconds;
        if (mtime < 0 || mtime > TarHeaderBlock.MaxOctal(12))
        {
            pax.Add(new("mtime", Encoding.ASCII.GetBytes(mtime.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            mtime = 0;
        }

        if (header.Xattrs is not null)
        {
            foreach (var (key, value) in header.Xattrs.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                pax.Add(new("SCHILY.xattr." + key, value));
            }
        }

        if (PathEncoding.HasEscapes(header.Name) || PathEncoding.HasEscapes(header.LinkName))
        {
            // The path values carry bytes that are not UTF-8: say so, as GNU tar does.
            pax.Insert(0, new("hdrcharset", "BINARY"u8.ToArray()));
        }

        if (pax.Count > 0)
        {
            WritePaxHeader(header.Name, pax);
        }

        Span<byte> block = stackalloc byte[BlockSize];
        TarHeaderBlock.Write(block, name, prefix, (byte)header.Type, header.Mode & 0xFFF, uid, gid, ustarSize, mtime,
            linkName, header.DeviceMajor, header.DeviceMinor);
        WriteRaw(block);
        _dataRemaining = size;
        _padding = (BlockSize - (size % BlockSize)) % BlockSize;
    }

    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _dataRemaining)
        {
            throw new InvalidOperationException("more data than the entry's declared size");
        }

        WriteRaw(data);
        _dataRemaining -= data.Length;
    }

    /// <summary>Writes the end-of-archive marker and flushes; the destination stays open.</summary>
    public void Finish()
    {
        if (_dataRemaining != 0)
        {
            throw new InvalidOperationException($"{_dataRemaining} bytes of the last entry's data were not written");
        }

        WritePadding();
        Span<byte> zeros = stackalloc byte[BlockSize * 2];
        zeros.Clear();
        WriteRaw(zeros);
        Flush();
        _destination.Flush();
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

    private void WritePaxHeader(string entryName, List<KeyValuePair<string, byte[]>> records)
    {
        using var content = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var keyBytes = Encoding.UTF8.GetByteCount(key);
            var length = keyBytes + value.Length + 3; // ' ', '=', '\n'
            var total = length + Digits(length);
            if (Digits(total) != Digits(length))
            {
                total = length + Digits(total);
            }

            content.Write(Encoding.ASCII.GetBytes(total.ToString(System.Globalization.CultureInfo.InvariantCulture) + " "));
            content.Write(Encoding.UTF8.GetBytes(key + "="));
            content.Write(value);
            content.WriteByte((byte)'\n');
        }

        Span<byte> block = stackalloc byte[BlockSize];
        var paxName = Truncate("PaxHeaders.0/" + Path.GetFileName(entryName.TrimEnd('/')), 100);
        TarHeaderBlock.Write(block, paxName, "", (byte)'x', 0x1A4, 0, 0, content.Length, 0, "", 0, 0);
        WriteRaw(block);
        WriteRaw(content.GetBuffer().AsSpan(0, (int)content.Length));
        _padding = (BlockSize - (content.Length % BlockSize)) % BlockSize;
        WritePadding();
    }

    private void WritePadding()
    {
        if (_padding > 0)
        {
            Span<byte> zeros = stackalloc byte[BlockSize];
            zeros.Clear();
            WriteRaw(zeros[..(int)_padding]);
            _padding = 0;
        }
    }

    private void WriteRaw(ReadOnlySpan<byte> data)
    {
        if (_buffered == 0 && data.Length >= _buffer.Length)
        {
            _destination.Write(data);
            return;
        }

        while (!data.IsEmpty)
        {
            var step = Math.Min(data.Length, _buffer.Length - _buffered);
            data[..step].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += step;
            data = data[step..];
            if (_buffered == _buffer.Length)
            {
                Flush();
            }
        }
    }

    private void Flush()
    {
        if (_buffered > 0)
        {
            _destination.Write(_buffer, 0, _buffered);
            _buffered = 0;
        }
    }

    private static (string? Name, string Prefix) SplitName(string name)
    {
        if (FitsUstar(name, 100))
        {
            return (name, "");
        }

        if (!IsAscii(name) || name.Length > 256)
        {
            return (null, "");
        }

        for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = name.IndexOf('/', slash + 1))
        {
            if (slash <= 155 && name.Length - slash - 1 is > 0 and <= 100)
            {
                return (name[(slash + 1)..], name[..slash]);
            }
        }

        return (null, "");
    }

    private static bool FitsUstar(string value, int width) => value.Length <= width && IsAscii(value);

    private static bool IsAscii(string value) => Ascii.IsValid(value);

    private static string Truncate(string value, int width)
    {
        var ascii = new string(value.Select(c => c < 0x80 ? c : '_').ToArray());
        return ascii.Length <= width ? ascii : ascii[..width];
    }

    private static int Digits(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
}
