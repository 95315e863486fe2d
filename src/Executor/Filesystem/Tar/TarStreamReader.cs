using System.Buffers;
using System.Text;

namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>
/// Reads ustar, PAX and GNU tar headers from a sequential stream. Binary-safe for PAX values, strict about
/// checksums, sizes and the end-of-archive marker: malformed input raises <see cref="LayerFormatException"/>.
/// </summary>
internal sealed class TarStreamReader : IDisposable
{
    private const int BlockSize = 512;
    private const int MaxMetaHeaderSize = 1 << 20;

    private readonly Stream _source;
    private readonly string _layerName;
    private readonly byte[] _buffer;
    private int _bufferStart;
    private int _bufferEnd;
    private long _dataRemaining;
    private long _paddingRemaining;
    private string? _currentName;
    private bool _finished;

    public TarStreamReader(Stream source, string layerName, int bufferSize = 1 << 17)
    {
        _source = source;
        _layerName = layerName;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, BlockSize * 4));
    }

    /// <summary>Bytes of the current entry's data not read yet.</summary>
    public long DataRemaining => _dataRemaining;

    /// <summary>The next entry, or null at the end-of-archive marker. Unread data of the previous entry is skipped.</summary>
    public TarEntryHeader? ReadNext()
    {
        if (_finished)
        {
            return null;
        }

        Skip(_dataRemaining + _paddingRemaining);
        _dataRemaining = 0;
        _paddingRemaining = 0;

        string? longName = null;
        string? longLink = null;
        Dictionary<string, byte[]>? pax = null;
        while (true)
        {
            var block = ReadBlock();
            if (block.IsEmpty)
            {
                // Some writers (umoci among them) end the stream after the last entry without the two zero
                // blocks; GNU tar and Go accept that. A cut inside an entry is still an error, and the blob's
                // digest has already vouched for the bytes.
                if (longName is null && longLink is null && pax is null)
                {
                    _finished = true;
                    return null;
                }

                throw Error("the layer ended inside an entry's extended header (truncated?)");
            }

            if (!block.ContainsAnyExcept((byte)0))
            {
                _finished = true;
                return null;
            }

            var header = TarHeaderBlock.Parse(block, out var typeFlag, out var size, out var problem);
            if (header is null)
            {
                throw Error(problem ?? "corrupt tar header");
            }

            _currentName = header.Name;
            switch (typeFlag)
            {
                case (byte)'x':
                    pax = ParsePax(ReadMeta(size));
                    continue;
                case (byte)'g':
                    ReadMeta(size);
                    continue;
                case (byte)'L':
                    longName = CString(ReadMeta(size));
                    continue;
                case (byte)'K':
                    longLink = CString(ReadMeta(size));
                    continue;
                case (byte)'S':
                    throw Error("GNU sparse files are not supported");
                default:
                    break;
            }

            if (longName is not null)
            {
                header.Name = longName;
            }

            if (longLink is not null)
            {
                header.LinkName = longLink;
            }

            if (pax is not null)
            {
                ApplyPax(header, pax, ref size);
            }

            _currentName = header.Name;
            header.Type = typeFlag switch
            {
                (byte)'0' or 0 or (byte)'7' => header.Name.EndsWith('/') ? TarEntryType.Directory : TarEntryType.RegularFile,
                (byte)'1' => TarEntryType.HardLink,
                (byte)'2' => TarEntryType.SymbolicLink,
                (byte)'3' => TarEntryType.CharacterDevice,
                (byte)'4' => TarEntryType.BlockDevice,
                (byte)'5' => TarEntryType.Directory,
                (byte)'6' => TarEntryType.Fifo,
                _ => throw Error($"unsupported tar entry type '{(char)typeFlag}'"),
            };
            header.Size = header.Type == TarEntryType.RegularFile ? size : 0;
            _dataRemaining = header.Size;
            _paddingRemaining = Padding(size) + (size - header.Size);
            return header;
        }
    }

    /// <summary>Reads the current entry's data; 0 once it is exhausted. Throws if the stream ends early.</summary>
    public int ReadData(Span<byte> destination)
    {
        if (_dataRemaining == 0 || destination.IsEmpty)
        {
            return 0;
        }

        if (destination.Length > _dataRemaining)
        {
            destination = destination[..(int)_dataRemaining];
        }

        int read;
        if (_bufferEnd > _bufferStart)
        {
            read = Math.Min(destination.Length, _bufferEnd - _bufferStart);
            _buffer.AsSpan(_bufferStart, read).CopyTo(destination);
            _bufferStart += read;
        }
        else if (destination.Length >= _buffer.Length / 2)
        {
            read = _source.Read(destination);
        }
        else
        {
            Fill();
            read = Math.Min(destination.Length, _bufferEnd - _bufferStart);
            _buffer.AsSpan(_bufferStart, read).CopyTo(destination);
            _bufferStart += read;
        }

        if (read == 0)
        {
            throw Error($"the layer ended inside this entry's data ({_dataRemaining} bytes missing; truncated?)");
        }

        _dataRemaining -= read;
        return read;
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

    private LayerFormatException Error(string message) => new(_layerName, _currentName, message);

    private ReadOnlySpan<byte> ReadBlock()
    {
        if (_bufferEnd - _bufferStart < BlockSize)
        {
            Fill();
            if (_bufferEnd == _bufferStart)
            {
                return [];
            }

            if (_bufferEnd - _bufferStart < BlockSize)
            {
                throw Error("the layer ended inside a tar header (truncated?)");
            }
        }

        var block = _buffer.AsSpan(_bufferStart, BlockSize);
        _bufferStart += BlockSize;
        return block;
    }

    /// <summary>Reads until at least one block is buffered or the source ends.</summary>
    private void Fill()
    {
        if (_bufferStart > 0)
        {
            _buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart).CopyTo(_buffer);
            _bufferEnd -= _bufferStart;
            _bufferStart = 0;
        }

        while (_bufferEnd < BlockSize)
        {
            var read = _source.Read(_buffer, _bufferEnd, _buffer.Length - _bufferEnd);
            if (read == 0)
            {
                return;
            }

            _bufferEnd += read;
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_bufferEnd == _bufferStart)
            {
                Fill();
                if (_bufferEnd == _bufferStart)
                {
                    throw Error("the layer ended inside this entry's data (truncated?)");
                }
            }

            var step = (int)Math.Min(count, _bufferEnd - _bufferStart);
            _bufferStart += step;
            count -= step;
        }
    }

    private byte[] ReadMeta(long size)
    {
        if (size is < 0 or > MaxMetaHeaderSize)
        {
            throw Error($"extended header of {size} bytes is larger than allowed ({MaxMetaHeaderSize})");
        }

        var data = new byte[size];
        _dataRemaining = size;
        var offset = 0;
        while (offset < data.Length)
        {
            offset += ReadData(data.AsSpan(offset));
        }

        Skip(Padding(size));
        return data;
    }

    private static long Padding(long size) => (BlockSize - (size % BlockSize)) % BlockSize;

    private static string CString(byte[] data)
    {
        var end = Array.IndexOf(data, (byte)0);
        return Encoding.UTF8.GetString(data, 0, end < 0 ? data.Length : end);
    }

    private Dictionary<string, byte[]> ParsePax(byte[] data)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var span = data.AsSpan();
        var position = 0;
        while (position < span.Length)
        {
            if (span[position] == 0)
            {
                break;
            }

            var space = span[position..].IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(span.Slice(position, space), out var length) ||
                length <= space + 1 || position + length > span.Length || span[position + length - 1] != (byte)'\n')
            {
                throw Error("malformed PAX extended header record");
            }

            var record = span.Slice(position + space + 1, length - space - 2);
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0)
            {
                throw Error("malformed PAX extended header record (no key)");
            }

            records[Encoding.UTF8.GetString(record[..equals])] = record[(equals + 1)..].ToArray();
            position += length;
        }

        return records;
    }

    private void ApplyPax(TarEntryHeader header, Dictionary<string, byte[]> pax, ref long size)
    {
        Dictionary<string, byte[]>? xattrs = null;
        foreach (var (key, value) in pax)
        {
            switch (key)
            {
                case "path":
                    header.Name = Encoding.UTF8.GetString(value);
                    break;
                case "linkpath":
                    header.LinkName = Encoding.UTF8.GetString(value);
                    break;
                case "size":
                    size = ParsePaxNumber(key, value);
                    break;
                case "uid":
                    header.Uid = checked((uint)ParsePaxNumber(key, value));
                    break;
                case "gid":
                    header.Gid = checked((uint)ParsePaxNumber(key, value));
                    break;
                case "mtime":
                    ParsePaxTime(value, header);
                    break;
                default:
                    if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                    {
                        (xattrs ??= new(StringComparer.Ordinal))[key["SCHILY.xattr.".Length..]] = value;
                    }
                    else if (key.StartsWith("GNU.sparse.", StringComparison.Ordinal))
                    {
                        throw Error("GNU sparse files are not supported");
                    }

                    break;
            }
        }

        if (xattrs is not null)
        {
            header.Xattrs = xattrs;
        }
    }

    private long ParsePaxNumber(string key, byte[] value) =>
        long.TryParse(value, out var number) && number >= 0
            ? number
            : throw Error($"PAX record '{key}' is not a non-negative number");

    private void ParsePaxTime(byte[] value, TarEntryHeader header)
    {
        var text = Encoding.ASCII.GetString(value);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? text : text[..dot];
        if (!long.TryParse(whole, out var seconds))
        {
            throw Error("PAX record 'mtime' is not a number");
        }

        uint nanoseconds = 0;
        if (dot >= 0)
        {
            var fraction = text[(dot + 1)..];
            fraction = fraction.Length > 9 ? fraction[..9] : fraction.PadRight(9, '0');
            if (!uint.TryParse(fraction, out nanoseconds))
            {
                throw Error("PAX record 'mtime' is not a number");
            }

            if (text.StartsWith('-') && nanoseconds > 0)
            {
                seconds--;
                nanoseconds = 1_000_000_000 - nanoseconds;
            }
        }

        header.MtimeSeconds = seconds;
        header.MtimeNanoseconds = nanoseconds;
    }
}
