using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>Crafts layer blobs in memory with System.Formats.Tar.</summary>
internal sealed class LayerBuilder
{
    private static readonly DateTimeOffset _defaultTime = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly List<PaxTarEntry> _entries = [];

    public LayerBuilder Directory(string name, int mode = 0x1ED, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name), mode, uid, gid, mtime);

    public LayerBuilder File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0, DateTimeOffset? mtime = null,
        IEnumerable<KeyValuePair<string, string>>? pax = null)
    {
        var entry = pax is null ? new PaxTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name, pax);
        entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return Add(entry, mode, uid, gid, mtime);
    }

    public LayerBuilder File(string name, byte[] content, int mode = 0x1A4)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };
        return Add(entry, mode, 0, 0, null);
    }

    public LayerBuilder Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }, 0x1FF, 0, 0, null);

    public LayerBuilder HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target }, 0x1A4, 0, 0, null);

    public LayerBuilder Fifo(string name, int mode = 0x1A4) => Add(new PaxTarEntry(TarEntryType.Fifo, name), mode, 0, 0, null);

    public LayerBuilder CharDevice(string name, int major, int minor) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = major, DeviceMinor = minor }, 0x1B6, 0, 0, null);

    public LayerBuilder Whiteout(string directory, string name) =>
        File((directory.Length == 0 ? "" : directory.TrimEnd('/') + "/") + ".wh." + name, "");

    public LayerBuilder Opaque(string directory) => File(directory.TrimEnd('/') + "/.wh..wh..opq", "");

    public byte[] Tar()
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public byte[] Gzip()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Tar());
        }

        return output.ToArray();
    }

    public byte[] Zstd()
    {
        using var output = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
        {
            zstd.Write(Tar());
        }

        return output.ToArray();
    }

    private LayerBuilder Add(PaxTarEntry entry, int mode, int uid, int gid, DateTimeOffset? mtime)
    {
        entry.Mode = (UnixFileMode)mode;
        entry.Uid = uid;
        entry.Gid = gid;
        entry.ModificationTime = mtime ?? _defaultTime;
        _entries.Add(entry);
        return this;
    }
}
