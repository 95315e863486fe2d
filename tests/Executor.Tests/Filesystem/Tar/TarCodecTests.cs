using System.Text;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Tar;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Tar;

/// <summary>Our tar codec against GNU tar (both directions) and System.Formats.Tar.</summary>
public sealed class TarCodecTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Reads_gnu_tar_output_with_long_names_in_gnu_and_pax_formats()
    {
        var longName = string.Join('/', Enumerable.Repeat("a-rather-long-directory-name", 6)) + "/file";
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.In(longName))!);
        File.WriteAllText(_temp.In(longName), "deep");
        File.CreateSymbolicLink(_temp.In("link"), new string('t', 120));
        foreach (var format in new[] { "gnu", "posix" })
        {
            var archive = Path.Combine(_temp.Path, format + ".tar");
            Run.Command("tar", $"--format={format} -C {_temp.Root} -cf {archive} .");

            var entries = ReadAll(File.ReadAllBytes(archive));

            Assert.Contains(entries, e => e.Name == "./" + longName && e.Type == TarEntryType.RegularFile && e.Size == 4);
            Assert.Contains(entries, e => e.Name == "./link" && e.LinkName == new string('t', 120));
        }
    }

    [Fact]
    public void Gnu_tar_reads_what_we_write()
    {
        var longName = string.Join('/', Enumerable.Repeat("segment", 40)) + "/ünïcödé";
        var blob = OwnTar.Build(("short", "1", null), (longName, "22", null));
        var archive = Path.Combine(_temp.Path, "ours.tar");
        File.WriteAllBytes(archive, blob);

        var listing = Run.Command("tar", $"-tvf {archive}");

        Assert.Contains("short", listing, StringComparison.Ordinal);
        Assert.Contains(longName, listing, StringComparison.Ordinal);
        Assert.DoesNotContain("PaxHeaders", listing, StringComparison.Ordinal);
    }

    [Fact]
    public void Large_ids_and_sizes_use_pax_records()
    {
        using var output = new MemoryStream();
        using (var writer = new TarStreamWriter(output))
        {
            writer.WriteEntry(new TarEntryHeader { Name = "big-ids", Uid = 3_000_000_000, Gid = 4_000_000_000, MtimeSeconds = -5 });
            writer.Finish();
        }

        var entry = Assert.Single(ReadAll(output.ToArray()));

        Assert.Equal((3_000_000_000u, 4_000_000_000u, -5L), (entry.Uid, entry.Gid, entry.MtimeSeconds));
    }

    [Fact]
    public void Binary_xattr_values_round_trip_byte_for_byte()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var blob = OwnTar.Build(("f", "", new Dictionary<string, byte[]> { ["user.bin"] = all }));

        var entry = Assert.Single(ReadAll(blob));

        Assert.Equal(all, entry.Xattrs!["user.bin"]);
    }

    private static List<TarEntryHeader> ReadAll(byte[] archive)
    {
        using var reader = new TarStreamReader(new MemoryStream(archive), "test");
        var entries = new List<TarEntryHeader>();
        while (reader.ReadNext() is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }
}
