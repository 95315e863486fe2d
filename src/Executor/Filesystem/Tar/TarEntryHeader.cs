namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>
/// One tar entry's metadata. Extended attribute values are raw bytes: System.Formats.Tar decodes PAX values as
/// UTF-8 and replaces undecodable bytes, which corrupts binary attributes such as <c>security.capability</c>.
/// </summary>
internal sealed class TarEntryHeader
{
    public required string Name { get; set; }

    public TarEntryType Type { get; set; } = TarEntryType.RegularFile;

    /// <summary>Permission bits including setuid, setgid and sticky (07777).</summary>
    public uint Mode { get; set; }

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public long Size { get; set; }

    public long MtimeSeconds { get; set; }

    public uint MtimeNanoseconds { get; set; }

    public string LinkName { get; set; } = "";

    public uint DeviceMajor { get; set; }

    public uint DeviceMinor { get; set; }

    public IReadOnlyDictionary<string, byte[]>? Xattrs { get; set; }
}
