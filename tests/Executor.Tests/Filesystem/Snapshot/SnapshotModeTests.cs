using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Snapshot;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Snapshot;

/// <summary>kaniko's --snapshot-mode semantics: full (content + metadata), redo (metadata + size), time (mtime only).</summary>
public sealed class SnapshotModeTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public SnapshotModeTests()
    {
        File.WriteAllText(_temp.In("file"), "aaaa");
        Posix.SetTimes(_temp.In("file"), 1_600_000_000, 0);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(SnapshotMode.Fast, true)]
    [InlineData(SnapshotMode.Full, true)]
    [InlineData(SnapshotMode.Redo, false)]
    [InlineData(SnapshotMode.Time, false)]
    public async Task Same_size_rewrite_with_mtime_restored(SnapshotMode mode, bool detected)
    {
        var snapshotter = await Start(mode);
        File.WriteAllText(_temp.In("file"), "bbbb");
        Posix.SetTimes(_temp.In("file"), 1_600_000_000, 0);

        Assert.Equal(detected, await Snap(snapshotter) is not null);
    }

    [Theory]
    [InlineData(SnapshotMode.Fast, true)]
    [InlineData(SnapshotMode.Full, true)]
    [InlineData(SnapshotMode.Redo, true)]
    [InlineData(SnapshotMode.Time, false)]
    public async Task Chmod_only(SnapshotMode mode, bool detected)
    {
        var snapshotter = await Start(mode);
        Posix.Chmod(_temp.In("file"), 0x1C0);

        Assert.Equal(detected, await Snap(snapshotter) is not null);
    }

    [Theory]
    [InlineData(SnapshotMode.Fast, true)]
    [InlineData(SnapshotMode.Full, false)]
    [InlineData(SnapshotMode.Redo, false)]
    [InlineData(SnapshotMode.Time, false)]
    public async Task Rewrite_with_identical_content_and_mtime(SnapshotMode mode, bool detected)
    {
        var snapshotter = await Start(mode);
        File.WriteAllText(_temp.In("file"), "aaaa");
        Posix.SetTimes(_temp.In("file"), 1_600_000_000, 0);

        Assert.Equal(detected, await Snap(snapshotter) is not null);
    }

    [Theory]
    [InlineData(SnapshotMode.Fast)]
    [InlineData(SnapshotMode.Full)]
    [InlineData(SnapshotMode.Redo)]
    [InlineData(SnapshotMode.Time)]
    public async Task Touch_is_seen_by_every_mode(SnapshotMode mode)
    {
        var snapshotter = await Start(mode);
        Posix.SetTimes(_temp.In("file"), 1_700_000_000, 0);

        Assert.NotNull(await Snap(snapshotter));
    }

    [Fact]
    public void Racy_entry_with_unchanged_timestamps_is_compared_by_content()
    {
        var host = _temp.In("file");
        var status = Posix.LStat(host);
        var detector = new ChangeDetector(SnapshotMode.Fast);
        var racy = new BaselineEntry(status, ChangeDetector.Hash(host, status), Racy: true);
        Assert.True(detector.IsRacy(status, scanStartNanoseconds: (status.CtimeSeconds * 1_000_000_000L) + 1));
        Assert.False(detector.IsChanged(racy, status, host, out _));

        File.WriteAllText(host, "bbbb"); // same size; pretend the coarse clock did not move

        Assert.True(detector.IsChanged(racy, status, host, out _));
        Assert.False(detector.IsChanged(racy with { Racy = false }, status, host, out _));
    }

    private async Task<Snapshotter> Start(SnapshotMode mode)
    {
        var snapshotter = new Snapshotter(_temp.Root, IgnoreList.Empty, new SnapshotOptions(Mode: mode));
        await snapshotter.InitializeAsync(CancellationToken.None);
        return snapshotter;
    }

    private Task<Kaniko.Executor.Image.LayerFile?> Snap(Snapshotter snapshotter) =>
        snapshotter.TakeSnapshotAsync(_temp.Layers, CancellationToken.None);
}
