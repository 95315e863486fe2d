using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Extract;

public sealed class LayerExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("tar")]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public async Task Extracts_files_directories_and_symlinks_in_every_compression(string compression)
    {
        var layer = new LayerBuilder()
            .Directory("etc/", mode: 0x1ED, mtime: new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .File("etc/hostname", "box\n", mode: 0x1A4, uid: 12, gid: 34)
            .File("usr/bin/tool", "#!/bin/sh\n", mode: 0x1ED)
            .Symlink("bin", "usr/bin");
        var blob = compression switch { "tar" => layer.Tar(), "gzip" => layer.Gzip(), _ => layer.Zstd() };

        await Layers.Extract(blob, _temp.Root);

        Assert.Equal("box\n", File.ReadAllText(_temp.In("etc/hostname")));
        var status = Posix.LStat(_temp.In("etc/hostname"));
        Assert.Equal((12u, 34u, 0x1A4u), (status.Uid, status.Gid, status.Permissions));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), status.MtimeSeconds);
        Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), Posix.LStat(_temp.In("etc")).MtimeSeconds);
        Assert.Equal("usr/bin", Posix.ReadLink(_temp.In("bin")));
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(_temp.In("bin/tool")));
        Assert.True(Posix.LStat(_temp.In("usr")).IsDirectory);
    }

    [Fact]
    public async Task Keeps_setuid_setgid_and_sticky_bits_with_ownership()
    {
        await Layers.Extract(new LayerBuilder()
            .File("usr/bin/su", "x", mode: 0xDED, uid: 0, gid: 0) // 06755
            .File("usr/bin/wall", "y", mode: 0x5ED, uid: 0, gid: 5) // 02755
            .Directory("tmp/", mode: 0x3FF) // 01777
            .Tar(), _temp.Root);

        Assert.Equal(0xDEDu, Posix.LStat(_temp.In("usr/bin/su")).Permissions);
        Assert.Equal(0x5EDu, Posix.LStat(_temp.In("usr/bin/wall")).Permissions);
        Assert.Equal(5u, Posix.LStat(_temp.In("usr/bin/wall")).Gid);
        Assert.Equal(0x3FFu, Posix.LStat(_temp.In("tmp")).Permissions);
    }

    [Fact]
    public async Task Hardlinks_within_and_across_layers_share_the_inode()
    {
        await Layers.Extract(new LayerBuilder().File("a/original", "data").HardLink("a/link", "a/original").Tar(), _temp.Root);
        await Layers.Extract(new LayerBuilder().HardLink("b/later", "a/original").Tar(), _temp.Root);

        var original = Posix.LStat(_temp.In("a/original"));
        Assert.Equal(original.Inode, Posix.LStat(_temp.In("a/link")).Inode);
        Assert.Equal(original.Inode, Posix.LStat(_temp.In("b/later")).Inode);
        Assert.Equal(3u, Posix.LStat(_temp.In("a/original")).LinkCount);
    }

    [Fact]
    public async Task Whiteouts_remove_files_and_directories_of_lower_layers()
    {
        await Layers.Extract(new LayerBuilder().File("keep", "k").File("gone", "g").File("dir/sub/file", "f").Tar(), _temp.Root);
        await Layers.Extract(new LayerBuilder().Whiteout("", "gone").Whiteout("", "dir").Tar(), _temp.Root);

        Assert.True(File.Exists(_temp.In("keep")));
        Assert.False(File.Exists(_temp.In("gone")));
        Assert.False(Directory.Exists(_temp.In("dir")));
        Assert.False(File.Exists(_temp.In(".wh.gone")));
    }

    [Fact]
    public async Task Opaque_directory_hides_lower_content_but_keeps_this_layers()
    {
        await Layers.Extract(new LayerBuilder().File("d/old1", "1").File("d/sub/old2", "2").Tar(), _temp.Root);
        // "-new" sorts before ".wh..wh..opq": the marker must not delete what this layer wrote.
        await Layers.Extract(new LayerBuilder().Directory("d/").File("d/-new", "n").Opaque("d").File("d/z", "z").Tar(), _temp.Root);

        Assert.Equal(["-new", "z"], Directory.EnumerateFileSystemEntries(_temp.In("d")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_whiteout_does_not_hide_the_same_layers_entry()
    {
        await Layers.Extract(new LayerBuilder().File("x", "new").Whiteout("", "x").Tar(), _temp.Root);

        Assert.Equal("new", File.ReadAllText(_temp.In("x")));
    }

    [Fact]
    public async Task Directory_replaced_by_file_and_symlink_and_back_across_layers()
    {
        await Layers.Extract(new LayerBuilder().File("p/inner", "i").Tar(), _temp.Root);
        await Layers.Extract(new LayerBuilder().File("p", "now a file").Tar(), _temp.Root);
        Assert.Equal("now a file", File.ReadAllText(_temp.In("p")));

        await Layers.Extract(new LayerBuilder().Symlink("p", "elsewhere").Tar(), _temp.Root);
        Assert.True(Posix.LStat(_temp.In("p")).IsSymlink);

        await Layers.Extract(new LayerBuilder().Directory("p/").File("p/again", "a").Tar(), _temp.Root);
        Assert.True(Posix.LStat(_temp.In("p")).IsDirectory);
        Assert.Equal("a", File.ReadAllText(_temp.In("p/again")));
        Assert.False(Directory.Exists(_temp.In("elsewhere")));
    }

    [Fact]
    public async Task File_entry_replaces_a_symlink_instead_of_writing_through_it()
    {
        File.WriteAllText(_temp.In("target"), "untouched");
        File.CreateSymbolicLink(_temp.In("link"), "target");

        await Layers.Extract(new LayerBuilder().File("link", "replaced").Tar(), _temp.Root);

        Assert.Equal("untouched", File.ReadAllText(_temp.In("target")));
        Assert.False(Posix.LStat(_temp.In("link")).IsSymlink);
        Assert.Equal("replaced", File.ReadAllText(_temp.In("link")));
    }

    [Fact]
    public async Task Duplicate_entries_last_one_wins()
    {
        await Layers.Extract(new LayerBuilder().File("f", "first").File("f", "second").Directory("d/").File("d", "file").Tar(), _temp.Root);

        Assert.Equal("second", File.ReadAllText(_temp.In("f")));
        Assert.Equal("file", File.ReadAllText(_temp.In("d")));
    }

    [Fact]
    public async Task Fifo_and_device_nodes()
    {
        var warnings = new List<string>();
        await Layers.Extract(new LayerBuilder().Fifo("run/pipe").CharDevice("dev/null2", 1, 3).CharDevice("dev/zero2", 1, 5).Tar(), _temp.Root, warnings: warnings);

        Assert.Equal(FileStatus.TypeFifo, Posix.LStat(_temp.In("run/pipe")).Type);
        if (Posix.TryLStat(_temp.In("dev/null2"), out var device))
        {
            Assert.Equal((1u, 3u), (device.RdevMajor, device.RdevMinor));
            Assert.Empty(warnings);
        }
        else
        {
            Assert.Single(warnings);
        }
    }

    [Fact]
    public async Task Binary_security_capability_xattr_survives()
    {
        // cap_setuid (bit 7) and cap_net_raw (bit 13): bytes >= 0x80 that a UTF-8 decoder would mangle.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var blob = OwnTar.Build(("usr/bin/ping", "ping", new Dictionary<string, byte[]>
        {
            ["security.capability"] = capability,
            ["user.note"] = "hello"u8.ToArray(),
        }));

        await Layers.Extract(blob, _temp.Root);

        Assert.Equal(capability, Posix.GetXattr(_temp.In("usr/bin/ping"), "security.capability"));
        Assert.Equal("hello"u8.ToArray(), Posix.GetXattr(_temp.In("usr/bin/ping"), "user.note"));
    }

    [Fact]
    public async Task Pax_xattrs_written_by_system_formats_tar_are_applied()
    {
        await Layers.Extract(new LayerBuilder().File("f", "x", pax: [new("SCHILY.xattr.user.color", "blue")]).Tar(), _temp.Root);

        Assert.Equal("blue"u8.ToArray(), Posix.GetXattr(_temp.In("f"), "user.color"));
    }

    [Fact]
    public async Task Long_names_and_link_targets()
    {
        var longDir = string.Join('/', Enumerable.Repeat("directory-with-a-long-name", 8));
        var target = new string('t', 150);
        await Layers.Extract(new LayerBuilder().File(longDir + "/file", "deep").Symlink("s", target).Tar(), _temp.Root);

        Assert.Equal("deep", File.ReadAllText(_temp.In(longDir + "/file")));
        Assert.Equal(target, Posix.ReadLink(_temp.In("s")));
    }

    [Fact]
    public async Task Ignored_paths_are_never_written()
    {
        Directory.CreateDirectory(_temp.In("kaniko"));
        File.WriteAllText(_temp.In("kaniko/secret"), "mine");
        var ignore = IgnoreList.Create(_temp.Root, ["/kaniko"], readMountInfo: false);

        await Layers.Extract(new LayerBuilder().File("kaniko/secret", "theirs").File("kaniko/new", "x").Whiteout("", "kaniko").File("ok", "ok").Tar(), _temp.Root, ignore);

        Assert.Equal("mine", File.ReadAllText(_temp.In("kaniko/secret")));
        Assert.False(File.Exists(_temp.In("kaniko/new")));
        Assert.True(File.Exists(_temp.In("ok")));
    }

    [Fact]
    public async Task Entries_through_a_symlink_into_an_ignored_path_are_skipped_with_a_warning()
    {
        Directory.CreateDirectory(_temp.In("kaniko"));
        File.WriteAllText(_temp.In("kaniko/secret"), "mine");
        var ignore = IgnoreList.Create(_temp.Root, ["/kaniko"], readMountInfo: false);
        var warnings = new List<string>();

        await Layers.Extract(new LayerBuilder()
            .Symlink("sneaky", "/kaniko")
            .File("sneaky/secret", "theirs")
            .HardLink("copy", "kaniko/secret")
            .HardLink("copy2", "sneaky/secret")
            .File("after", "ok")
            .Tar(), _temp.Root, ignore, warnings);

        Assert.Equal("mine", File.ReadAllText(_temp.In("kaniko/secret")));
        Assert.False(File.Exists(_temp.In("copy")));
        Assert.False(File.Exists(_temp.In("copy2")));
        Assert.True(File.Exists(_temp.In("after")));
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public async Task Cancellation_stops_extraction()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new LayerExtractor().ExtractAsync(
            new MemoryStream(new LayerBuilder().File("f", "x").Tar()), "l", _temp.Root, IgnoreList.Empty, cancelled.Token));
        Assert.False(File.Exists(_temp.In("f")));
    }

    [Fact]
    public async Task The_layer_stream_is_read_to_its_end_and_left_open()
    {
        var blob = new LayerBuilder().File("f", "x").Gzip();
        var stream = new MemoryStream([.. blob]);

        await new LayerExtractor().ExtractAsync(stream, "l", _temp.Root, IgnoreList.Empty, CancellationToken.None);

        Assert.Equal(blob.Length, stream.Position);
        Assert.True(stream.CanRead);
    }

    [Fact]
    public async Task Missing_parents_are_created()
    {
        await Layers.Extract(new LayerBuilder().File("a/b/c/d", "x").Tar(), _temp.Root);

        Assert.Equal(0x1EDu, Posix.LStat(_temp.In("a/b")).Permissions);
    }
}
