using System.Buffers;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Tar;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>
/// Writes a set of layer items as a sorted tar layer: numeric owners, PAX where needed, hardlinks kept (the first
/// path of an inode in the layer carries the content), symlinks verbatim, sockets left out.
/// </summary>
internal sealed class SnapshotLayerWriter(RootFs root, SnapshotOptions options)
{
    public LayerFile Write(IEnumerable<LayerItem> items, string outputDirectory, CancellationToken ct)
    {
        var sorted = items.Select(item => (Key: item.SortKey, Item: item)).ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        using var blob = new LayerBlobWriter(outputDirectory, options.Compression, options.CompressionLevel);
        using var tar = new TarStreamWriter(blob.TarStream);
        var firstPathOfInode = new Dictionary<(ulong Device, ulong Inode), string>();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            foreach (var (_, item) in sorted)
            {
                ct.ThrowIfCancellationRequested();
                WriteItem(tar, item, firstPathOfInode, buffer);
            }

            tar.Finish();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return blob.Complete();
    }

    private void WriteItem(TarStreamWriter tar, LayerItem item, Dictionary<(ulong, ulong), string> firstPathOfInode, byte[] buffer)
    {
        if (item.Kind != LayerItemKind.Entry)
        {
            tar.WriteEntry(new TarEntryHeader { Name = item.TarName, Type = TarEntryType.RegularFile, Mode = 0x1A4 });
            return;
        }

        var status = item.Status;
        var host = root.ToHostPath(item.Path);
        var header = new TarEntryHeader
        {
            Name = item.TarName,
            Mode = status.Permissions,
            Uid = status.Uid,
            Gid = status.Gid,
            MtimeSeconds = options.Reproducible ? 0 : status.MtimeSeconds,
        };
        switch (status.Type)
        {
            case FileStatus.TypeDirectory:
                header.Type = TarEntryType.Directory;
                break;
            case FileStatus.TypeSymlink:
                header.Type = TarEntryType.SymbolicLink;
                header.LinkName = Posix.ReadLink(host);
                break;
            case FileStatus.TypeRegular:
                if (status.LinkCount > 1)
                {
                    var key = (status.Device, status.Inode);
                    if (firstPathOfInode.TryGetValue(key, out var first))
                    {
                        header.Type = TarEntryType.HardLink;
                        header.LinkName = first[1..];
                        break;
                    }

                    firstPathOfInode[key] = item.Path;
                }

                header.Type = TarEntryType.RegularFile;
                header.Size = status.Size;
                break;
            case FileStatus.TypeFifo:
                header.Type = TarEntryType.Fifo;
                break;
            case FileStatus.TypeCharDevice or FileStatus.TypeBlockDevice:
                header.Type = status.Type == FileStatus.TypeCharDevice ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice;
                header.DeviceMajor = status.RdevMajor;
                header.DeviceMinor = status.RdevMinor;
                break;
            default:
                return; // sockets are not part of images
        }

        if (header.Type != TarEntryType.HardLink)
        {
            header.Xattrs = ReadImageXattrs(host);
        }

        tar.WriteEntry(header);
        if (header.Type == TarEntryType.RegularFile && header.Size > 0)
        {
            CopyContent(tar, host, header.Size, buffer);
        }
    }

    private static void CopyContent(TarStreamWriter tar, string host, long size, byte[] buffer)
    {
        using var file = Posix.OpenRead(host);
        long offset = 0;
        while (offset < size)
        {
            var want = (int)Math.Min(buffer.Length, size - offset);
            var read = RandomAccess.Read(file, buffer.AsSpan(0, want), offset);
            if (read == 0)
            {
                throw new IOException($"'{host}' shrank while it was being snapshotted ({offset} of {size} bytes)");
            }

            tar.WriteData(buffer.AsSpan(0, read));
            offset += read;
        }
    }

    /// <summary>Extended attributes that belong in an image: not SELinux labels, ACLs or overlayfs internals.</summary>
    private static SortedDictionary<string, byte[]>? ReadImageXattrs(string host)
    {
        var all = Posix.GetXattrs(host);
        if (all is null)
        {
            return null;
        }

        foreach (var name in all.Keys.ToList())
        {
            if (name.StartsWith("security.selinux", StringComparison.Ordinal) ||
                name.StartsWith("system.", StringComparison.Ordinal) ||
                name.StartsWith("trusted.overlay.", StringComparison.Ordinal) ||
                name.StartsWith("user.overlay.", StringComparison.Ordinal))
            {
                all.Remove(name);
            }
        }

        return all.Count == 0 ? null : all;
    }
}
