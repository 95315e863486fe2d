using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem;

public sealed class RootFsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Resolves_symlinks_as_if_chrooted()
    {
        Directory.CreateDirectory(_temp.In("real/dir"));
        File.CreateSymbolicLink(_temp.In("abs"), "/real");
        File.CreateSymbolicLink(_temp.In("rel"), "real/dir");
        File.CreateSymbolicLink(_temp.In("up"), "../../../../../../..");
        File.CreateSymbolicLink(_temp.In("chain"), "abs/dir");
        File.CreateSymbolicLink(_temp.In("host"), _temp.Outside);
        var root = new RootFs(_temp.Root);

        Assert.Equal("/real/dir/x", root.ResolveInside("/abs/dir/x", followFinalSymlink: true));
        Assert.Equal("/real/dir", root.ResolveInside("rel", followFinalSymlink: true));
        Assert.Equal("/rel", root.ResolveInside("rel", followFinalSymlink: false));
        Assert.Equal("/etc/passwd", root.ResolveInside("/up/etc/passwd", followFinalSymlink: true));
        Assert.Equal("/real/dir", root.ResolveInside("/chain", followFinalSymlink: true));
        Assert.Equal("/", root.ResolveInside("/../../..", followFinalSymlink: true));
        Assert.Equal(_temp.Root + _temp.Outside + "/victim", root.Resolve("/host/victim", followFinalSymlink: true));
    }

    [Fact]
    public void Symlink_loops_fail_cleanly()
    {
        File.CreateSymbolicLink(_temp.In("a"), "b");
        File.CreateSymbolicLink(_temp.In("b"), "a");

        Assert.Throws<IOException>(() => new RootFs(_temp.Root).Resolve("/a/x", followFinalSymlink: true));
    }

    [Fact]
    public void System_root_maps_inside_paths_to_themselves()
    {
        Assert.Equal("/etc/hostname", new RootFs("/").ToHostPath("/etc/hostname"));
        Assert.Equal("/", new RootFs("/").ToHostPath("/"));
        Assert.Equal("/x", new RootFs("/x/").ToHostPath("/"));
    }
}
