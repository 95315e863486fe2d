using Kaniko.Executor.Filesystem;

namespace Kaniko.Executor.Tests.Filesystem;

public sealed class IgnoreListTests
{
    private const string MountInfo = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        40 27 0:40 / /builds/root/etc/hosts rw - ext4 /dev/vda rw
        41 27 0:41 / /builds/root/var/run rw - tmpfs tmpfs rw
        42 27 0:42 / /builds/root/with\040space rw - tmpfs tmpfs rw
        43 27 0:43 / /builds/rootless/x rw - tmpfs tmpfs rw
        44 27 0:44 / /elsewhere rw - tmpfs tmpfs rw
        """;

    [Fact]
    public void Mount_points_inside_the_root_are_ignored_as_inside_paths()
    {
        var ignore = IgnoreList.Create("/builds/root", ["/kaniko/"], MountInfo);

        Assert.Equal(["/etc/hosts", "/kaniko", "/var/run", "/with space"], ignore.Paths);
        Assert.True(ignore.IsIgnored("/kaniko"));
        Assert.True(ignore.IsIgnored("/kaniko/layers/x"));
        Assert.False(ignore.IsIgnored("/kanikox"));
        Assert.False(ignore.IsIgnored("/etc"));
        Assert.True(ignore.ContainsIgnored("/etc"));
        Assert.True(ignore.ContainsIgnored("/"));
        Assert.False(ignore.ContainsIgnored("/etc/hosts"));
    }

    [Fact]
    public void System_root_always_ignores_proc_sys_and_dev_and_every_mount_point()
    {
        var ignore = IgnoreList.Create("/", [], MountInfo);

        Assert.Contains("/proc", ignore.Paths);
        Assert.Contains("/sys", ignore.Paths);
        Assert.Contains("/dev", ignore.Paths);
        Assert.Contains("/elsewhere", ignore.Paths);
        Assert.DoesNotContain("/", ignore.Paths);
        Assert.False(ignore.IsIgnored("/var/run"));
    }

    [Fact]
    public void Var_run_is_only_ignored_when_it_is_a_mount_point()
    {
        Assert.False(IgnoreList.Create("/", [], "").IsIgnored("/var/run/x"));
    }

    [Fact]
    public void Reads_the_real_mountinfo()
    {
        var ignore = IgnoreList.Create("/", ["/kaniko"], readMountInfo: true);

        Assert.True(ignore.IsIgnored("/proc/self"));
        Assert.True(ignore.IsIgnored("/kaniko"));
    }
}
