using System.Formats.Tar;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Snapshot;

public sealed class SnapshotterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public SnapshotterTests()
    {
        Directory.CreateDirectory(_temp.In("etc"));
        File.WriteAllText(_temp.In("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        Directory.CreateDirectory(_temp.In("usr/lib/deep"));
        File.WriteAllText(_temp.In("usr/lib/deep/lib.so"), "elf");
        File.WriteAllText(_temp.In("usr/lib/other"), "o");
    }

    public void Dispose() => _temp.Dispose();

    private async Task<Snapshotter> Start(SnapshotOptions? options = null, IgnoreList? ignore = null)
    {
        var snapshotter = new Snapshotter(_temp.Root, ignore ?? IgnoreList.Empty, options ?? new SnapshotOptions());
        await snapshotter.InitializeAsync(CancellationToken.None);
        return snapshotter;
    }

    private Task<LayerFile?> Snap(Snapshotter snapshotter) => snapshotter.TakeSnapshotAsync(_temp.Layers, CancellationToken.None);

    [Fact]
    public async Task Nothing_changed_gives_null()
    {
        var snapshotter = await Start();

        Assert.Null(await Snap(snapshotter));
    }

    [Fact]
    public async Task Added_file_comes_with_its_parent_directories_and_a_valid_descriptor()
    {
        var snapshotter = await Start();
        Directory.CreateDirectory(_temp.In("opt/app"));
        File.WriteAllText(_temp.In("opt/app/run.sh"), "echo hi");

        var layer = await Snap(snapshotter);

        Assert.NotNull(layer);
        Assert.Equal(["opt/", "opt/app/", "opt/app/run.sh"], LayerContents.Names(layer));
        Assert.Equal(MediaTypes.OciLayerGzip, layer.Descriptor.MediaType);
        LayerContents.AssertDescriptorMatchesFile(layer);
        Assert.Null(await Snap(snapshotter));
    }

    [Fact]
    public async Task Changed_file_is_included_with_existing_parents_only()
    {
        var snapshotter = await Start();
        File.AppendAllText(_temp.In("usr/lib/deep/lib.so"), "more");

        var layer = await Snap(snapshotter);

        Assert.Equal(["usr/", "usr/lib/", "usr/lib/deep/", "usr/lib/deep/lib.so"], LayerContents.Names(layer!));
    }

    [Fact]
    public async Task Metadata_only_change_is_detected()
    {
        var snapshotter = await Start();
        Kaniko.Executor.Filesystem.Native.Posix.Chmod(_temp.In("etc/passwd"), 0x100);

        var entries = LayerContents.Read((await Snap(snapshotter))!);

        Assert.Equal(UnixFileMode.UserRead, entries.Single(e => e.Name == "etc/passwd").Mode);
    }

    [Fact]
    public async Task Deletions_become_topmost_whiteouts_only()
    {
        var snapshotter = await Start();
        File.Delete(_temp.In("etc/passwd"));
        Directory.Delete(_temp.In("usr/lib"), recursive: true);

        var names = LayerContents.Names((await Snap(snapshotter))!);

        Assert.Equal(["etc/", "etc/.wh.passwd", "usr/", "usr/.wh.lib"], names);
    }

    [Fact]
    public async Task Replaced_directory_gets_an_opaque_marker_before_its_new_content()
    {
        var snapshotter = await Start();
        // The new directory exists before the old one is gone, so it cannot reuse the old inode number.
        Directory.CreateDirectory(_temp.In("usr/lib.new"));
        Directory.Delete(_temp.In("usr/lib"), recursive: true);
        Directory.Move(_temp.In("usr/lib.new"), _temp.In("usr/lib"));
        File.WriteAllText(_temp.In("usr/lib/-fresh"), "f");

        var names = LayerContents.Names((await Snap(snapshotter))!);

        Assert.Equal(["usr/", "usr/lib/", "usr/lib/.wh..wh..opq", "usr/lib/-fresh"], names);
    }

    [Fact]
    public async Task Directory_replaced_by_a_file_needs_no_whiteouts_below_it()
    {
        var snapshotter = await Start();
        Directory.Delete(_temp.In("usr/lib"), recursive: true);
        File.WriteAllText(_temp.In("usr/lib"), "file now");

        var names = LayerContents.Names((await Snap(snapshotter))!);

        Assert.Equal(["usr/", "usr/lib"], names);
    }

    [Fact]
    public async Task Hardlinks_stay_hardlinks_and_symlinks_are_verbatim()
    {
        var snapshotter = await Start();
        File.WriteAllText(_temp.In("a"), "shared");
        Run.Command("ln", $"{_temp.In("a")} {_temp.In("b")}");
        File.CreateSymbolicLink(_temp.In("dangling"), "/does/not/exist");

        var entries = LayerContents.Read((await Snap(snapshotter))!);

        Assert.Equal(["a", "b", "dangling"], entries.Select(e => e.Name));
        Assert.Equal(TarEntryType.RegularFile, entries[0].EntryType);
        Assert.Equal((TarEntryType.HardLink, "a"), (entries[1].EntryType, entries[1].LinkName));
        Assert.Equal((TarEntryType.SymbolicLink, "/does/not/exist"), (entries[2].EntryType, entries[2].LinkName));
    }

    [Fact]
    public async Task New_hardlink_to_an_unchanged_file_includes_both_paths()
    {
        var snapshotter = await Start();
        Run.Command("ln", $"{_temp.In("usr/lib/other")} {_temp.In("usr/lib/other2")}");

        var entries = LayerContents.Read((await Snap(snapshotter))!);

        var files = entries.Where(e => e.EntryType != TarEntryType.Directory).ToList();
        Assert.Equal(["usr/lib/other", "usr/lib/other2"], files.Select(e => e.Name));
        Assert.Equal(TarEntryType.RegularFile, files[0].EntryType);
        Assert.Equal(TarEntryType.HardLink, files[1].EntryType);
    }

    [Fact]
    public async Task Entries_have_numeric_owners_only()
    {
        var snapshotter = await Start();
        File.WriteAllText(_temp.In("owned"), "x");
        Run.Command("chown", $"1234:5678 {_temp.In("owned")}");

        var entry = LayerContents.Read((await Snap(snapshotter))!).Single();

        Assert.Equal((1234, 5678, "", ""), (entry.Uid, entry.Gid, ((PosixTarEntry)entry).UserName, ((PosixTarEntry)entry).GroupName));
    }

    [Fact]
    public async Task Ignored_paths_are_not_snapshotted()
    {
        var snapshotter = await Start(ignore: IgnoreList.Create(_temp.Root, ["/kaniko"], readMountInfo: false));
        Directory.CreateDirectory(_temp.In("kaniko"));
        File.WriteAllText(_temp.In("kaniko/layer"), "x");
        File.WriteAllText(_temp.In("visible"), "v");

        Assert.Equal(["visible"], LayerContents.Names((await Snap(snapshotter))!));
    }

    [Fact]
    public async Task Snapshot_of_paths_covers_only_those_paths_and_updates_the_baseline()
    {
        var snapshotter = await Start();
        Directory.CreateDirectory(_temp.In("app/src"));
        File.WriteAllText(_temp.In("app/src/main.c"), "int main;");
        File.WriteAllText(_temp.In("unrelated"), "not copied");

        var layer = await snapshotter.TakeSnapshotOfPathsAsync(["/app"], _temp.Layers, CancellationToken.None);

        Assert.Equal(["app/", "app/src/", "app/src/main.c"], LayerContents.Names(layer!));
        Assert.Equal(["unrelated"], LayerContents.Names((await Snap(snapshotter))!));
    }

    [Fact]
    public async Task Snapshot_of_paths_follows_a_symlinked_parent_to_the_real_location()
    {
        Directory.CreateDirectory(_temp.In("srv"));
        File.CreateSymbolicLink(_temp.In("app"), "/srv");
        var snapshotter = await Start();
        File.WriteAllText(_temp.In("srv/file"), "x");

        var layer = await snapshotter.TakeSnapshotOfPathsAsync(["/app/file"], _temp.Layers, CancellationToken.None);

        Assert.Equal(["srv/", "srv/file"], LayerContents.Names(layer!));
    }

    [Fact]
    public async Task Names_that_are_not_utf8_are_kept_byte_for_byte()
    {
        var snapshotter = await Start();
        Run.Shell($"cd {_temp.Root} && printf x > \"$(printf 'latin1-\\351')\" && ln -s \"$(printf 'to-\\377')\" link && touch fine");

        var layer = (await Snap(snapshotter))!;

        // GNU tar as the independent reader: the raw bytes come back (System.Formats.Tar would show U+FFFD).
        var unpacked = _temp.NewRoot("unpacked");
        Run.Shell($"tar -xzf {layer.Path} -C {unpacked} && cd {unpacked} && test \"$(cat \"$(printf 'latin1-\\351')\")\" = x " +
            $"&& test \"$(readlink link)\" = \"$(printf 'to-\\377')\" && test -f fine");
        Assert.Equal(3, LayerContents.Names(layer).Count);
    }

    [Fact]
    public async Task Snapshot_of_many_paths_merges_nested_ones_and_whiteouts_deleted_ones()
    {
        var snapshotter = await Start();
        Directory.CreateDirectory(_temp.In("app/lib"));
        var paths = new List<string> { "/app", "/app/lib", "/usr/lib/other" };
        for (var i = 0; i < 2000; i++)
        {
            File.WriteAllText(_temp.In($"app/lib/f{i}"), "x");
            paths.Add($"/app/lib/f{i}");
        }

        File.Delete(_temp.In("usr/lib/other"));

        var names = LayerContents.Names((await snapshotter.TakeSnapshotOfPathsAsync(paths, _temp.Layers, CancellationToken.None))!);

        Assert.Equal(2000 + 2 + 3, names.Count);
        Assert.Contains("usr/lib/.wh.other", names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, MediaTypes.OciLayerGzip)]
    [InlineData(LayerCompression.Zstd, MediaTypes.OciLayerZstd)]
    [InlineData(LayerCompression.None, MediaTypes.OciLayer)]
    public async Task Every_compression_gives_a_matching_descriptor(LayerCompression compression, string mediaType)
    {
        var snapshotter = await Start(new SnapshotOptions(compression));
        File.WriteAllText(_temp.In("etc/new"), new string('z', 100_000));

        var layer = (await Snap(snapshotter))!;

        Assert.Equal(mediaType, layer.Descriptor.MediaType);
        LayerContents.AssertDescriptorMatchesFile(layer);
        Assert.Empty(Directory.EnumerateFiles(_temp.Layers, ".layer-*"));
    }

    [Fact]
    public async Task Reproducible_layers_of_equal_trees_are_identical()
    {
        var digests = new List<Digest>();
        foreach (var name in new[] { "one", "two" })
        {
            var root = _temp.NewRoot(name);
            var snapshotter = new Snapshotter(root, IgnoreList.Empty, new SnapshotOptions(Reproducible: true));
            await snapshotter.InitializeAsync(CancellationToken.None);
            Directory.CreateDirectory(Path.Combine(root, "d"));
            File.WriteAllText(Path.Combine(root, "d/f"), "same");
            var layer = await snapshotter.TakeSnapshotAsync(Path.Combine(_temp.Layers, name), CancellationToken.None);
            Assert.All(LayerContents.Read(layer!), e => Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime));
            digests.Add(layer!.Descriptor.Digest);
        }

        Assert.Equal(digests[0], digests[1]);
    }
}
