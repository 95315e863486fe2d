namespace Kaniko.Executor.Filesystem.Native;

/// <summary>What lstat says about one path: the fields snapshots compare and layers record.</summary>
internal readonly record struct FileStatus(
    ulong Inode,
    ulong Device,
    long Size,
    long MtimeSeconds,
    uint MtimeNanoseconds,
    long CtimeSeconds,
    uint CtimeNanoseconds,
    uint Mode,
    uint Uid,
    uint Gid,
    uint LinkCount,
    uint RdevMajor,
    uint RdevMinor)
{
    public const uint TypeMask = 0xF000;
    public const uint TypeFifo = 0x1000;
    public const uint TypeCharDevice = 0x2000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeBlockDevice = 0x6000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeSocket = 0xC000;

    public uint Type => Mode & TypeMask;

    public uint Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == TypeDirectory;

    public bool IsRegular => Type == TypeRegular;

    public bool IsSymlink => Type == TypeSymlink;
}
