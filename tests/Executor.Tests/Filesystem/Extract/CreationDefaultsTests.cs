using Kaniko.Executor.Filesystem.Extract;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Tests.Filesystem.Support;

namespace Kaniko.Executor.Tests.Filesystem.Extract;

/// <summary>
/// Extraction skips the fchown and fchmod that creating a file already made true; these cases must still end
/// with exactly the entry's owner and mode.
/// </summary>
public sealed class CreationDefaultsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static bool IsRoot => LibC.GetEUid() == 0;

    [Theory]
    [InlineData(0x1FF)] // 0777: group and other write are cut by a 022 umask, so it needs its fchmod
    [InlineData(0x1A4)] // 0644: survives a 022 umask
    [InlineData(0x1ED)] // 0755
    [InlineData(0x180)] // 0600
    [InlineData(0x100)] // 0400: read-only, yet the new descriptor must be writable
    [InlineData(0x000)] // 0000
    [InlineData(0x1B4)] // 0664
    [InlineData(0x9ED)] // 04755 setuid
    [InlineData(0x5ED)] // 02755 setgid
    [InlineData(0x3FF)] // 01777 sticky
    public async Task Files_get_exactly_their_mode_whatever_the_umask(int mode)
    {
        await Layers.Extract(new LayerBuilder().File("bin/f", "data", mode: mode).File("big/f", new string('x', 3 << 20), mode: mode).Tar(), _temp.Root);

        Assert.Equal((uint)mode, Posix.LStat(_temp.In("bin/f")).Permissions);
        Assert.Equal((uint)mode, Posix.LStat(_temp.In("big/f")).Permissions);
        Assert.Equal("data", File.ReadAllText(_temp.In("bin/f")));
    }

    [Theory]
    [InlineData(0x1FF)] // 0777
    [InlineData(0x1ED)] // 0755
    [InlineData(0x1C0)] // 0700
    [InlineData(0x16D)] // 0555
    [InlineData(0x3FF)] // 01777 sticky
    [InlineData(0x5ED)] // 02755 setgid
    public async Task Directories_get_exactly_their_mode_whatever_the_umask(int mode)
    {
        await Layers.Extract(new LayerBuilder().Directory("d/", mode: mode).Directory("d/sub/", mode: mode).Tar(), _temp.Root);

        Assert.Equal((uint)mode, Posix.LStat(_temp.In("d")).Permissions);
        Assert.Equal((uint)mode, Posix.LStat(_temp.In("d/sub")).Permissions);
    }

    [Fact]
    public async Task A_directory_in_a_setgid_directory_gets_exactly_its_mode_and_group()
    {
        var ownGid = LibC.GetEGid();
        Directory.CreateDirectory(_temp.In("shared"));
        Posix.Chmod(_temp.In("shared"), 0x5FD); // 02775: new subdirectories would inherit the setgid bit

        await Layers.Extract(new LayerBuilder()
            .Directory("shared/plain/", mode: 0x1ED, uid: (int)LibC.GetEUid(), gid: (int)ownGid)
            .Directory("shared/plain/deeper/", mode: 0x1ED, uid: (int)LibC.GetEUid(), gid: (int)ownGid)
            .Tar(), _temp.Root);

        Assert.Equal((0x1EDu, ownGid), (Posix.LStat(_temp.In("shared/plain")).Permissions, Posix.LStat(_temp.In("shared/plain")).Gid));
        Assert.Equal((0x1EDu, ownGid), (Posix.LStat(_temp.In("shared/plain/deeper")).Permissions, Posix.LStat(_temp.In("shared/plain/deeper")).Gid));
    }

    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(0, 1000)]
    [InlineData(1000, 0)]
    [InlineData(0, 0)]
    public async Task Files_and_directories_get_exactly_their_owner(int uid, int gid)
    {
        await Layers.Extract(new LayerBuilder().Directory("d/", uid: uid, gid: gid).File("d/f", "x", uid: uid, gid: gid).Tar(), _temp.Root);

        if (IsRoot || (uid == LibC.GetEUid() && gid == LibC.GetEGid()))
        {
            Assert.Equal(((uint)uid, (uint)gid), (Posix.LStat(_temp.In("d")).Uid, Posix.LStat(_temp.In("d")).Gid));
            Assert.Equal(((uint)uid, (uint)gid), (Posix.LStat(_temp.In("d/f")).Uid, Posix.LStat(_temp.In("d/f")).Gid));
        }
    }

    [Fact]
    public async Task Files_in_a_setgid_directory_of_another_group_get_their_own_group()
    {
        if (!IsRoot)
        {
            return; // chowning to another group needs root
        }

        var ownGid = LibC.GetEGid();
        var otherGid = ownGid + 4242;
        Directory.CreateDirectory(_temp.In("earlier"));
        Assert.Equal(0, Posix.LChown(_temp.In("earlier"), LibC.GetEUid(), otherGid));
        Posix.Chmod(_temp.In("earlier"), 0x5FD); // 02775 from an earlier layer

        await Layers.Extract(new LayerBuilder()
            .File("earlier/f", "x", uid: (int)LibC.GetEUid(), gid: (int)ownGid)
            .Directory("same-layer/", mode: 0x5FD, gid: (int)otherGid)
            .File("same-layer/f", "y", uid: (int)LibC.GetEUid(), gid: (int)ownGid)
            .Tar(), _temp.Root);

        Assert.Equal(ownGid, Posix.LStat(_temp.In("earlier/f")).Gid);
        Assert.Equal(ownGid, Posix.LStat(_temp.In("same-layer/f")).Gid);
    }

    [Fact]
    public async Task A_directory_entry_after_its_files_does_not_change_their_group()
    {
        if (!IsRoot)
        {
            return; // chowning to another group needs root
        }

        var ownGid = (int)LibC.GetEGid();
        var layer = new LayerBuilder();
        for (var i = 0; i < 300; i++)
        {
            layer.File($"d/f{i}", new string('x', 20_000), uid: (int)LibC.GetEUid(), gid: ownGid);
        }

        // The directory turns setgid with another group while its files may still be queued for writing.
        await Layers.Extract(layer.Directory("d/", mode: 0x5FD, gid: ownGid + 4242).Tar(), _temp.Root);

        for (var i = 0; i < 300; i++)
        {
            Assert.Equal((uint)ownGid, Posix.LStat(_temp.In($"d/f{i}")).Gid);
        }
    }

    [Fact]
    public async Task A_default_acl_does_not_replace_the_entrys_mode()
    {
        Directory.CreateDirectory(_temp.In("acl"));
        // Default ACL user::rwx group::--- other::--- (version 2, then tag u16, perm u16, id u32 per entry).
        byte[] acl = [2, 0, 0, 0, 0x01, 0, 7, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x04, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x20, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        var errno = Posix.SetXattr(_temp.In("acl"), "system.posix_acl_default", acl);
        if (errno != 0)
        {
            return; // no POSIX ACLs on this filesystem
        }


        await Layers.Extract(new LayerBuilder().File("acl/f", "x", mode: 0x1A4).Tar(), _temp.Root);

        Assert.Equal(0x1A4u, Posix.LStat(_temp.In("acl/f")).Permissions);
    }

    [Theory]
    [InlineData("Name:\tx\nUmask:\t0022\nState:\tR\n", 0x12u)]
    [InlineData("Umask:\t0000\n", 0u)]
    [InlineData("Umask:\t0777\n", 0x1FFu)]
    [InlineData("Umask:\t0098\n", null)]
    [InlineData("Name:\tx\n", null)]
    public void Umask_is_read_from_proc_status(string status, uint? expected) =>
        Assert.Equal(expected, CreationDefaults.ParseUmask(status));

    [Fact]
    public void Umask_of_this_process_is_known()
    {
        Assert.NotNull(CreationDefaults.ForThisProcess().Umask);
    }
}
