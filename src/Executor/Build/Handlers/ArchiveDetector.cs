using System.IO.Compression;

namespace Kaniko.Executor.Build.Handlers;

public enum ArchiveKind
{
    None,
    Tar,
    Unsupported,
}

/// <summary>
/// ADD unpacks local tar archives (plain, gzip, zstd) as docker does; any other file is copied as it is.
/// Archives we cannot unpack yet (bzip2, xz) are refused rather than copied, so the image never differs silently.
/// </summary>
internal static class ArchiveDetector
{
    private const int TarMagicOffset = 257;

    public static ArchiveKind Detect(string hostPath, out string description)
    {
        description = string.Empty;
        using var file = File.OpenRead(hostPath);
        Span<byte> head = stackalloc byte[TarMagicOffset + 5];
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var start = head[..read];
        if (start.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]))
        {
            file.Position = 0;
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            return StartsLikeTar(gzip) ? ArchiveKind.Tar : ArchiveKind.None;
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]))
        {
            file.Position = 0;
            using var zstd = new ZstdSharp.DecompressionStream(file);
            return StartsLikeTar(zstd) ? ArchiveKind.Tar : ArchiveKind.None;
        }

        if (start.StartsWith("BZh"u8))
        {
            description = "bzip2";
            return ArchiveKind.Unsupported;
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
        {
            description = "xz";
            return ArchiveKind.Unsupported;
        }

        return IsTarHeader(start) ? ArchiveKind.Tar : ArchiveKind.None;
    }

    private static bool StartsLikeTar(Stream decompressed)
    {
        var head = new byte[TarMagicOffset + 5];
        try
        {
            var read = decompressed.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return IsTarHeader(head.AsSpan(0, read));
        }
        catch (InvalidDataException)
        {
            return false;
        }
        catch (ZstdSharp.ZstdException)
        {
            return false;
        }
    }

    private static bool IsTarHeader(ReadOnlySpan<byte> head) =>
        head.Length >= TarMagicOffset + 5 && head.Slice(TarMagicOffset, 5).SequenceEqual("ustar"u8);
}
