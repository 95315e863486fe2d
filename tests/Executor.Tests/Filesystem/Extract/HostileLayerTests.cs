using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Extract;

/// <summary>Layers that try to write outside the root: each is confined or rejected, and "outside" never changes.</summary>
public sealed class HostileLayerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly List<string> _outsideBefore;
    private readonly string[] _siblingsBefore;

    public HostileLayerTests()
    {
        _outsideBefore = TreeListing.Of(_temp.Outside);
        _siblingsBefore = Siblings();
    }

    public void Dispose()
    {
        _temp.Dispose();
    }

    [Fact]
    public async Task Dot_dot_in_a_name_is_rejected_naming_layer_and_entry()
    {
        var error = await Assert.ThrowsAsync<LayerFormatException>(() =>
            Layers.Extract(new LayerBuilder().File("a/../../outside/victim", "pwned").Tar(), _temp.Root, name: "sha256:bad"));

        Assert.Equal("sha256:bad", error.LayerName);
        Assert.Equal("a/../../outside/victim", error.EntryName);
        Assert.Contains("sha256:bad", error.Message, StringComparison.Ordinal);
        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Absolute_names_land_inside_the_root()
    {
        await Layers.Extract(new LayerBuilder().File(_temp.Outside + "/victim", "pwned").Tar(), _temp.Root);

        Assert.Equal("pwned", File.ReadAllText(_temp.In(_temp.Outside + "/victim")));
        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Writing_through_an_absolute_symlink_stays_inside_the_root()
    {
        await Layers.Extract(new LayerBuilder()
            .Symlink("escape", _temp.Outside)
            .File("escape/victim", "pwned")
            .Directory("escape/newdir/")
            .Tar(), _temp.Root);

        Assert.Equal("pwned", File.ReadAllText(_temp.In(_temp.Outside + "/victim")));
        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Writing_through_a_relative_symlink_chain_stays_inside_the_root()
    {
        var ups = string.Concat(Enumerable.Repeat("../", 12));
        await Layers.Extract(new LayerBuilder()
            .Symlink("l1", ups)
            .Symlink("d/l2", "../l1" + _temp.Path)
            .File("d/l2/outside/victim", "pwned")
            .Tar(), _temp.Root);

        Assert.Equal("pwned", File.ReadAllText(_temp.In(_temp.Path + "/outside/victim")));
        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Symlink_created_in_an_earlier_layer_is_also_confined()
    {
        await Layers.Extract(new LayerBuilder().Symlink("escape", "../../../../../../" + _temp.Outside).Tar(), _temp.Root);
        await Layers.Extract(new LayerBuilder().File("escape/victim", "pwned").Tar(), _temp.Root);

        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Hardlink_climbing_out_is_rejected()
    {
        await Assert.ThrowsAsync<LayerFormatException>(() =>
            Layers.Extract(new LayerBuilder().HardLink("h", "../outside/victim").Tar(), _temp.Root));

        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Hardlink_to_an_absolute_host_path_or_through_a_symlink_does_not_reach_outside()
    {
        await Assert.ThrowsAsync<LayerFormatException>(() =>
            Layers.Extract(new LayerBuilder().HardLink("h", _temp.Outside + "/victim").Tar(), _temp.Root));
        await Assert.ThrowsAsync<LayerFormatException>(() =>
            Layers.Extract(new LayerBuilder().Symlink("out", _temp.Outside).HardLink("h2", "out/victim").Tar(), _temp.Root));

        File.WriteAllText(_temp.In("in"), "inside");
        await Layers.Extract(new LayerBuilder().Symlink("s", "/").HardLink("h3", "s/in").Tar(), _temp.Root);
        Assert.Equal("inside", File.ReadAllText(_temp.In("h3")));
        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Whiteouts_and_opaque_markers_through_symlinks_stay_inside_the_root()
    {
        await Layers.Extract(new LayerBuilder().Symlink("o", _temp.Outside).Tar(), _temp.Root);
        await Layers.Extract(new LayerBuilder().Whiteout("o", "victim").Opaque("o").Tar(), _temp.Root);

        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Whiteout_climbing_out_is_rejected()
    {
        await Assert.ThrowsAsync<LayerFormatException>(() =>
            Layers.Extract(new LayerBuilder().Whiteout("../outside", "victim").Tar(), _temp.Root));

        AssertOutsideUnchanged();
    }

    [Theory]
    [InlineData(".wh.")]
    [InlineData("dir/.wh.")]
    [InlineData("dir/.wh..")]
    [InlineData("dir/.wh...")]
    public async Task Whiteout_without_a_name_is_rejected(string name)
    {
        Directory.CreateDirectory(_temp.In("dir"));

        await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(new LayerBuilder().File(name, "").Tar(), _temp.Root));

        Assert.True(Directory.Exists(_temp.In("dir")));
    }

    [Fact]
    public async Task Names_with_nul_bytes_are_rejected()
    {
        var blob = OwnTar.Build(("ü\0/../../outside/victim", "pwned", null)); // non-ASCII: written as a PAX path, NUL kept

        await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(blob, _temp.Root));

        AssertOutsideUnchanged();
    }

    [Theory]
    [InlineData("")]
    [InlineData("sub")]
    public async Task Whiteout_of_dot_dot_does_not_delete_outside_the_root(string directory)
    {
        // ".wh..." whites out "..": found by the bad-input pass, it deleted the root's siblings and the root itself.
        Directory.CreateDirectory(_temp.In("sub"));
        try
        {
            await Layers.Extract(new LayerBuilder().Whiteout(directory, "..").Tar(), _temp.Root);
        }
        catch (LayerFormatException)
        {
            // rejecting the entry is fine too
        }

        Assert.True(Directory.Exists(_temp.Root));
        AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Truncated_tar_is_rejected_with_the_entry_name()
    {
        var tar = new LayerBuilder().File("big", new string('x', 5000)).Tar();

        var error = await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(tar[..3000], _temp.Root));

        Assert.Equal("big", error.EntryName);
    }

    [Fact]
    public async Task Tar_without_end_marker_is_rejected()
    {
        var tar = new LayerBuilder().File("f", "x").Tar();

        await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(tar[..1024], _temp.Root));
    }

    [Fact]
    public async Task Truncated_gzip_is_rejected()
    {
        var gzip = new LayerBuilder().File("big", new string('x', 100_000)).File("next", "y").Gzip();

        await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(gzip[..(gzip.Length / 2)], _temp.Root));
    }

    [Fact]
    public async Task Corrupt_gzip_is_rejected()
    {
        var random = new Random(7);
        var content = new string([.. Enumerable.Range(0, 50_000).Select(_ => (char)random.Next('a', 'z'))]);
        var gzip = new LayerBuilder().File("f", content).Gzip();
        for (var i = 20; i < 60; i++)
        {
            gzip[i] ^= 0x5A;
        }

        var error = await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(gzip, _temp.Root));
        Assert.Contains("sha256:test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupt_header_checksum_is_rejected()
    {
        var tar = new LayerBuilder().File("f", "x").Tar();
        tar[0] ^= 0x01;

        var error = await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract(tar, _temp.Root));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_is_rejected()
    {
        await Assert.ThrowsAsync<LayerFormatException>(() => Layers.Extract("this is not a layer at all"u8.ToArray(), _temp.Root));
    }

    private void AssertOutsideUnchanged()
    {
        Assert.Equal(_outsideBefore, TreeListing.Of(_temp.Outside));
        Assert.Equal("original", File.ReadAllText(Path.Combine(_temp.Outside, "victim")));
        Assert.Equal(_siblingsBefore, Siblings());
    }

    private string[] Siblings() =>
        [.. Directory.EnumerateFileSystemEntries(_temp.Path).Concat(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_temp.Path)!)
            .Where(p => p.Contains("outside", StringComparison.Ordinal) || p.Contains("victim", StringComparison.Ordinal))).Order(StringComparer.Ordinal)];
}
