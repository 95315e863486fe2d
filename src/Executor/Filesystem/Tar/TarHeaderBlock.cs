using System.Text;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>Encodes and decodes one 512-byte ustar header block (octal or GNU base-256 numbers).</summary>
internal static class TarHeaderBlock
{
    public const int Size = 512;

    /// <summary>Decodes a header block; null (with a reason) when its checksum or numbers are invalid.</summary>
    public static TarEntryHeader? Parse(ReadOnlySpan<byte> block, out byte typeFlag, out long size, out string? problem)
    {
        typeFlag = block[156];
        size = 0;
        problem = null;
        if (!TryParseNumber(block.Slice(148, 8), out var checksum) || !ChecksumMatches(block, checksum))
        {
            problem = "tar header checksum mismatch (corrupt or not a tar)";
            return null;
        }

        if (!TryParseNumber(block.Slice(100, 8), out var mode) ||
            !TryParseNumber(block.Slice(108, 8), out var uid) ||
            !TryParseNumber(block.Slice(116, 8), out var gid) ||
            !TryParseNumber(block.Slice(124, 12), out size) ||
            !TryParseNumber(block.Slice(136, 12), out var mtime) ||
            size < 0 || uid is < 0 or > uint.MaxValue || gid is < 0 or > uint.MaxValue)
        {
            problem = "invalid number in tar header";
            return null;
        }

        var magic = block.Slice(257, 8);
        var isUstar = magic.StartsWith("ustar\0"u8);
        var name = CString(block[..100]);
        if (isUstar)
        {
            var prefix = CString(block.Slice(345, 155));
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }
        }

        var hasDevice = isUstar || magic.StartsWith("ustar "u8);
        long major = 0;
        long minor = 0;
        if (hasDevice && (!TryParseNumber(block.Slice(329, 8), out major) || !TryParseNumber(block.Slice(337, 8), out minor)))
        {
            problem = "invalid device number in tar header";
            return null;
        }

        return new TarEntryHeader
        {
            Name = name,
            Mode = (uint)(mode & 0xFFF),
            Uid = (uint)uid,
            Gid = (uint)gid,
            MtimeSeconds = mtime,
            LinkName = CString(block.Slice(157, 100)),
            DeviceMajor = (uint)major,
            DeviceMinor = (uint)minor,
        };
    }

    /// <summary>Writes a ustar header; the caller has checked that every field fits (else it added PAX records).</summary>
    public static void Write(Span<byte> block, string name, string prefix, byte typeFlag, uint mode, long uid, long gid,
        long size, long mtime, string linkName, uint major, uint minor)
    {
        block.Clear();
        Encoding.UTF8.GetBytes(name, block[..100]);
        WriteOctal(block.Slice(100, 8), mode);
        WriteOctal(block.Slice(108, 8), uid);
        WriteOctal(block.Slice(116, 8), gid);
        WriteOctal(block.Slice(124, 12), size);
        WriteOctal(block.Slice(136, 12), mtime);
        block[156] = typeFlag;
        Encoding.UTF8.GetBytes(linkName, block.Slice(157, 100));
        "ustar\0"u8.CopyTo(block.Slice(257, 6));
        "00"u8.CopyTo(block.Slice(263, 2));
        WriteOctal(block.Slice(329, 8), major);
        WriteOctal(block.Slice(337, 8), minor);
        Encoding.UTF8.GetBytes(prefix, block.Slice(345, 155));
        block.Slice(148, 8).Fill((byte)' ');
        long sum = 0;
        foreach (var b in block)
        {
            sum += b;
        }

        WriteOctal(block.Slice(148, 7), sum);
    }

    /// <summary>Largest value an octal field of <paramref name="width"/> bytes holds (one byte is the terminator).</summary>
    public static long MaxOctal(int width) => (1L << (3 * (width - 1))) - 1;

    private static void WriteOctal(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        field[digits] = 0;
        for (var i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> block, long expected)
    {
        long unsignedSum = 0;
        long signedSum = 0;
        for (var i = 0; i < block.Length; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsignedSum += b;
            signedSum += (sbyte)b;
        }

        return expected == unsignedSum || expected == signedSum;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            // GNU base-256: big-endian two's complement with the top bit of the first byte as the marker.
            if ((field[0] & 0x40) != 0)
            {
                return false;
            }

            value = field[0] & 0x3F;
            for (var i = 1; i < field.Length; i++)
            {
                if (value > (long.MaxValue >> 8))
                {
                    return false;
                }

                value = (value << 8) | field[i];
            }

            return true;
        }

        var start = 0;
        while (start < field.Length && field[start] == (byte)' ')
        {
            start++;
        }

        for (var i = start; i < field.Length; i++)
        {
            var b = field[i];
            if (b is 0 or (byte)' ')
            {
                break;
            }

            if (b is < (byte)'0' or > (byte)'7' || value > (long.MaxValue >> 3))
            {
                return false;
            }

            value = (value << 3) | (long)(b - '0');
        }

        return true;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return PathEncoding.Decode(end < 0 ? field : field[..end]);
    }
}
