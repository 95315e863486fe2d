using System.Text;

namespace Kaniko.Bench.Filesystem;

/// <summary>Deterministic synthetic trees: many small files for snapshots, a text-like 500 MB tree for layers.</summary>
internal static class TreeGenerator
{
    private static readonly string[] _words =
    [
        "lorem", "ipsum", "dolor", "sit", "amet", "kernel", "socket", "buffer", "layer", "image", "digest",
        "config", "library", "package", "version", "module", "symbol", "export", "static", "return", "value",
        "int", "void", "char", "struct", "const", "0x1f8b", "ELF", "\n", "\t", "{", "}", "();", "=", "==",
    ];

    /// <summary>files small files (0..255 bytes) in 100 × 10 directories.</summary>
    public static void SmallFiles(string root, int files)
    {
        var random = new Random(42);
        var perDirectory = Math.Max(1, files / 1000);
        var written = 0;
        for (var a = 0; written < files; a++)
        {
            for (var b = 0; b < 10 && written < files; b++)
            {
                var directory = Path.Combine(root, $"d{a:D3}", $"s{b}");
                Directory.CreateDirectory(directory);
                for (var f = 0; f < perDirectory && written < files; f++, written++)
                {
                    var content = new byte[random.Next(256)];
                    random.NextBytes(content);
                    File.WriteAllBytes(Path.Combine(directory, $"f{f:D4}.dat"), content);
                }
            }
        }
    }

    /// <summary>A layer-like tree: files entries totalling about megabytes of compressible text, 1% of files large.</summary>
    public static void LayerTree(string root, int files, int megabytes)
    {
        var random = new Random(7);
        var large = Math.Max(1, files / 100);
        var totalBytes = (long)megabytes << 20;
        var smallBudget = totalBytes / 5;
        var smallAverage = (int)(smallBudget / (files - large));
        var largeAverage = (int)((totalBytes - smallBudget) / large);
        var text = BuildText(random, 8 << 20);
        for (var i = 0; i < files; i++)
        {
            var directory = Path.Combine(root, "usr", $"lib{i % 40:D2}", $"pkg{i % 400:D3}");
            Directory.CreateDirectory(directory);
            var size = i % 100 == 0 ? largeAverage / 2 + random.Next(largeAverage) : random.Next(smallAverage * 2);
            using var file = File.Create(Path.Combine(directory, $"file{i:D5}.so"));
            var offset = random.Next(text.Length / 2);
            while (size > 0)
            {
                var step = Math.Min(size, text.Length - offset);
                file.Write(text, offset, step);
                size -= step;
                offset = 0;
            }
        }
    }

    private static byte[] BuildText(Random random, int length)
    {
        var builder = new StringBuilder(length + 64);
        while (builder.Length < length)
        {
            builder.Append(_words[random.Next(_words.Length)]).Append(' ');
            if (random.Next(8) == 0)
            {
                builder.Append(random.Next()).Append(' ');
            }
        }

        return Encoding.ASCII.GetBytes(builder.ToString(0, length));
    }
}
