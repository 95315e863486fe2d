using System.IO.Compression;
using ZstdSharp;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>Recognizes a layer blob's compression by its magic bytes and wraps it in the matching decoder.</summary>
internal static class LayerCompressionDetector
{
    public static Stream OpenDecompressed(Stream layer)
    {
        var head = new byte[4];
        var count = 0;
        while (count < head.Length)
        {
            var read = layer.Read(head, count, head.Length - count);
            if (read == 0)
            {
                break;
            }

            count += read;
        }

        var prefixed = new PrefixedStream(head.AsMemory(0, count), layer);
        if (count >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            // GZipStream reads its source 8 KB at a time: larger reads save thousands of system calls per layer.
            // Disposing it disposes only the PrefixedStream, which leaves the caller's stream open.
            return new GZipStream(new BufferedStream(prefixed, 1 << 18), CompressionMode.Decompress, leaveOpen: false);
        }

        if (count == 4 && head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD)
        {
            return new DecompressionStream(prefixed, bufferSize: 1 << 17, checkEndOfStream: true, leaveOpen: false);
        }

        return prefixed;
    }
}
