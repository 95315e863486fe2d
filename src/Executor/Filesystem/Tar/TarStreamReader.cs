using System.Text;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>
/// Reads ustar, PAX and GNU tar headers from a sequential stream. Binary-safe for PAX values, strict about
/// checksums, sizes and the end-of-archive marker: malformed input raises <see cref="LayerFormatException"/>.
/// </summary>
internal sealed class TarStreamReader : IDisposable
{
    private const int BlockSize = 512;
    private const int MaxMetaHeaderSize = 1 << 20;

    private readonly IDataChunkSource _source;
    private readonly string _layerName;
    private readonly byte[] _headerScratch = new byte[BlockSize];
    private DataChunk? _chunk;
    private int _position;
    private bool _sourceEnded;
    private long _dataRemaining;
    private long _paddingRemaining;
    private string? _currentName;
    private bool _finished;

    public TarStreamReader(Stream source, string layerName, int bufferSize = 1 << 17)
        : this(new StreamChunkSource(source, Math.Max(bufferSize, BlockSize)), layerName)
    {
    }

    /// <summary>Reads the chunks of <paramref name="source"/>, releasing each once read past.</summary>
    public TarStreamReader(IDataChunkSource source, string layerName)
    {
        _source = source;
        _layerName = layerName;
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
        var total = 0;
        while (!destination.IsEmpty && TryReadDataSegment(out var chunk, out var offset, out var count, destination.Length))
        {
            chunk.Buffer.AsSpan(offset, count).CopyTo(destination);
            destination = destination[count..];
            total += count;
        }

        return total;
    }

    /// <summary>
    /// The next piece of the current entry's data as it lies in a chunk, without copying: false once the data is
    /// exhausted. The chunk stays valid until the next call on this reader unless the caller adds a reference.
    /// </summary>
    public bool TryReadDataSegment(out DataChunk chunk, out int offset, out int count, int maxCount = int.MaxValue)
    {
        if (_dataRemaining == 0 || maxCount <= 0)
        {
            chunk = null!;
            offset = count = 0;
            return false;
        }

        if (!EnsureAvailable())
        {
            throw Error($"the layer ended inside this entry's data ({_dataRemaining} bytes missing; truncated?)");
        }

        chunk = _chunk!;
        offset = _position;
        count = (int)Math.Min(Math.Min(_dataRemaining, maxCount), chunk.Count - _position);
        _position += count;
        _dataRemaining -= count;
        return true;
    }

    /// <summary>Reads (and releases) whatever follows the end-of-archive marker, so the whole source is consumed.</summary>
    public void DrainToEnd()
    {
        while (EnsureAvailable())
        {
            _position = _chunk!.Count;
        }
    }

    public void Dispose()
    {
        _chunk?.Release();
        _chunk = null;
    }

    private LayerFormatException Error(string message) => new(_layerName, _currentName, message);

    /// <summary>True when the current chunk has unread bytes, moving to the next chunk when needed.</summary>
    private bool EnsureAvailable()
    {
        while (_chunk is null || _position == _chunk.Count)
        {
            if (_sourceEnded)
            {
                return false;
            }

            _chunk?.Release();
            _chunk = null;
            _position = 0;
            var next = _source.Next();
            if (next is null)
            {
                _sourceEnded = true;
                return false;
            }

            _chunk = next;
        }

        return true;
    }

    /// <summary>The next 512-byte block (in the chunk, or assembled when it spans two); empty at the end of the source.</summary>
    private ReadOnlySpan<byte> ReadBlock()
    {
        if (!EnsureAvailable())
        {
            return [];
        }

        if (_chunk!.Count - _position >= BlockSize)
        {
            var block = _chunk.Buffer.AsSpan(_position, BlockSize);
            _position += BlockSize;
            return block;
        }

        var filled = 0;
        while (filled < BlockSize)
        {
            if (!EnsureAvailable())
            {
                throw Error("the layer ended inside a tar header (truncated?)");
            }

            var step = Math.Min(BlockSize - filled, _chunk!.Count - _position);
            _chunk.Buffer.AsSpan(_position, step).CopyTo(_headerScratch.AsSpan(filled));
            _position += step;
            filled += step;
        }

        return _headerScratch;
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (!EnsureAvailable())
            {
                throw Error("the layer ended inside this entry's data (truncated?)");
            }

            var step = (int)Math.Min(count, _chunk!.Count - _position);
            _position += step;
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
        return PathEncoding.Decode(data.AsSpan(0, end < 0 ? data.Length : end));
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
                    header.Name = PathEncoding.Decode(value);
                    break;
                case "linkpath":
                    header.LinkName = PathEncoding.Decode(value);
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
