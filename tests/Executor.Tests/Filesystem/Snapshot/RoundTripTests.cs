using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Image;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Snapshot;

/// <summary>
/// Two build steps snapshotted into layers, then applied to a fresh root by our extractor and by umoci: both
/// must reproduce the built tree exactly (types, modes, owners, file mtimes, content, links, xattrs, deletions).
/// </summary>
public sealed class RoundTripTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task Our_extractor_reproduces_the_snapshotted_tree(LayerCompression compression)
    {
        var layers = await BuildTwoSteps(new SnapshotOptions(compression));
        var fresh = _temp.NewRoot("fresh");

        foreach (var layer in layers)
        {
            await Layers.ExtractFile(layer.Path, fresh);
        }

        Assert.Equal(Listing(_temp.Root), Listing(fresh));
    }

    [UmociFact]
    public async Task Umoci_unpacks_our_layers_to_the_same_tree()
    {
        var layers = await BuildTwoSteps(new SnapshotOptions());
        var layout = Path.Combine(_temp.Path, "oci");
        OciLayout.Write(layout, "test", layers);
        var bundle = Path.Combine(_temp.Path, "bundle");

        Run.Command(UmociFactAttribute.UmociPath, $"unpack --image {layout}:test {bundle}");

        Assert.Equal(Listing(_temp.Root), Listing(Path.Combine(bundle, "rootfs")));
    }

    private static List<string> Listing(string root)
    {
        var listing = TreeListing.Of(root, withDirectoryMtime: false);
        Assert.True(listing.Count == 20, string.Join("\n", listing));
        Assert.Contains(listing, line => line.StartsWith("usr/bin/tool ", StringComparison.Ordinal) &&
            line.Contains("mode=4755", StringComparison.Ordinal) && line.Contains("security.capability=0100000280200000", StringComparison.Ordinal));
        return listing;
    }

    private async Task<List<LayerFile>> BuildTwoSteps(SnapshotOptions options)
    {
        var root = _temp.Root;
        var snapshotter = new Snapshotter(root, IgnoreList.Empty, options);
        await snapshotter.InitializeAsync(CancellationToken.None);

        Run.Shell($"""
            cd {root} && mkdir -p etc usr/bin usr/lib/x var/empty olddir/sub replaced/sub tofile
            echo root > etc/passwd && echo keep > etc/keep && echo lib > usr/lib/x/lib.so
            printf '\000\001\002binary' > usr/bin/tool && chmod 4755 usr/bin/tool
            echo a > olddir/sub/a && echo r > replaced/sub/r && echo t > tofile/t && echo f > todir
            ln usr/bin/tool usr/bin/tool-link && ln -s ../lib/x/lib.so usr/bin/rel && ln -s /nowhere dangling
            mkfifo var/fifo && chown 1000:2000 etc/keep && chmod 1777 var/empty
            """);
        Assert.Equal(0, Posix.SetXattr(Path.Combine(root, "etc/keep"), "user.kind", "config"u8));
        Assert.Equal(0, Posix.SetXattr(Path.Combine(root, "usr/bin/tool"), "security.capability",
            [0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        var first = await snapshotter.TakeSnapshotAsync(_temp.Layers, CancellationToken.None);

        Run.Shell($"""
            cd {root} && rm etc/passwd && rm -r olddir && mkdir replaced.new && rm -r replaced && mv replaced.new replaced
            echo new > replaced/n && rm -r tofile && echo file > tofile && rm todir && mkdir todir && echo in > todir/in
            echo changed >> usr/lib/x/lib.so && ln usr/lib/x/lib.so usr/lib/x/lib-link.so && chmod 0600 etc/keep
            """);
        var second = await snapshotter.TakeSnapshotAsync(_temp.Layers, CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Contains("replaced/.wh..wh..opq", LayerContents.Names(second));
        Assert.Contains("etc/.wh.passwd", LayerContents.Names(second));
        Assert.True(Posix.LStat(Path.Combine(root, "usr/bin/tool")).LinkCount == 2);
        return [first, second];
    }
}
