using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem;

public sealed class RootCleanerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Deletes_everything_except_ignored_paths_and_their_parents()
    {
        Directory.CreateDirectory(_temp.In("kaniko/bin"));
        File.WriteAllText(_temp.In("kaniko/bin/executor"), "me");
        Directory.CreateDirectory(_temp.In("etc/ssl"));
        File.WriteAllText(_temp.In("etc/hosts"), "mounted");
        File.WriteAllText(_temp.In("etc/passwd"), "old stage");
        File.WriteAllText(_temp.In("etc/ssl/cert"), "old stage");
        Directory.CreateDirectory(_temp.In("usr/bin"));
        File.CreateSymbolicLink(_temp.In("usr/bin/escape"), _temp.Outside);
        File.CreateSymbolicLink(_temp.In("outlink"), _temp.Outside);
        var ignore = IgnoreList.Create(_temp.Root, ["/kaniko", "/etc/hosts"], readMountInfo: false);

        RootCleaner.DeleteAllExceptIgnored(_temp.Root, ignore);

        Assert.Equal(["etc/hosts", "kaniko/bin/executor"], Directory.EnumerateFiles(_temp.Root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_temp.Root, p)).Order(StringComparer.Ordinal));
        Assert.Equal(["etc", "kaniko"], Directory.EnumerateFileSystemEntries(_temp.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("original", File.ReadAllText(Path.Combine(_temp.Outside, "victim")));
    }

    [Fact]
    public void Does_not_descend_into_another_filesystem()
    {
        var mount = _temp.In("mnt");
        Directory.CreateDirectory(mount);
        if (Run.Command("mount", $"-t tmpfs tmpfs {mount}", check: false) is null || !IsMountPoint(mount))
        {
            return; // no permission to mount here: nothing to check
        }

        try
        {
            File.WriteAllText(Path.Combine(mount, "keep"), "other fs");

            RootCleaner.DeleteAllExceptIgnored(_temp.Root, IgnoreList.Empty);

            Assert.True(File.Exists(Path.Combine(mount, "keep")));
        }
        finally
        {
            Run.Command("umount", mount, check: false);
        }
    }

    private static bool IsMountPoint(string path) =>
        File.ReadAllText("/proc/self/mountinfo").Contains(" " + path + " ", StringComparison.Ordinal);
}
