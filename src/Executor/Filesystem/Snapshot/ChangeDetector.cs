using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>Decides whether a path changed since the baseline, by the rules of a <see cref="SnapshotMode"/>.</summary>
internal sealed class ChangeDetector(SnapshotMode mode)
{
    public bool NeedsHashes => mode == SnapshotMode.Full;

    /// <summary>True when <paramref name="now"/> counts as a change of <paramref name="before"/>.</summary>
    public bool IsChanged(in BaselineEntry before, in FileStatus now, string hostPath, out UInt128 hash)
    {
        var old = before.Status;
        hash = before.Hash;
        if (old.Type != now.Type)
        {
            hash = NeedsHashes ? Hash(hostPath, now) : default;
            return true;
        }

        switch (mode)
        {
            case SnapshotMode.Time:
                return !SameMtime(old, now);
            case SnapshotMode.Redo:
                return !SameMtime(old, now) || old.Size != now.Size || old.Mode != now.Mode ||
                    old.Uid != now.Uid || old.Gid != now.Gid;
            case SnapshotMode.Full:
                if (SameMetadata(old, now))
                {
                    return false; // content cannot change without ctime changing
                }

                hash = Hash(hostPath, now);
                return hash != before.Hash;
            default:
                if (!SameMetadata(old, now))
                {
                    return true;
                }

                if (!before.Racy)
                {
                    return false;
                }

                hash = Hash(hostPath, now);
                return hash != before.Hash;
        }
    }

    /// <summary>
    /// In fast mode, entries whose ctime is within <see cref="RacyWindowNanoseconds"/> of the scan's start (or
    /// later) could change again without any timestamp moving (coarse kernel clock): their content hash is kept.
    /// </summary>
    public bool IsRacy(in FileStatus status, long scanStartNanoseconds) =>
        mode == SnapshotMode.Fast &&
        (status.CtimeSeconds * 1_000_000_000L) + status.CtimeNanoseconds >= scanStartNanoseconds - RacyWindowNanoseconds;

    public const long RacyWindowNanoseconds = 50_000_000;

    /// <summary>kaniko's full-mode hash: mode, mtime, owner, security.capability, then content or link target.</summary>
    public static UInt128 Hash(string hostPath, in FileStatus status)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = string.Create(CultureInfo.InvariantCulture,
            $"{status.Mode:x}|{status.MtimeSeconds}.{status.MtimeNanoseconds}|{status.Uid}|{status.Gid}|");
        hasher.AppendData(Encoding.ASCII.GetBytes(head));
        if (status.IsRegular)
        {
            var capability = Posix.GetXattr(hostPath, "security.capability");
            if (capability is not null)
            {
                hasher.AppendData(capability);
            }

            var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                using var file = Posix.OpenRead(hostPath);
                long offset = 0;
                int read;
                while ((read = RandomAccess.Read(file, buffer, offset)) > 0)
                {
                    hasher.AppendData(buffer, 0, read);
                    offset += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else if (status.IsSymlink)
        {
            hasher.AppendData(PathEncoding.GetBytes(Posix.ReadLink(hostPath)));
        }

        Span<byte> digest = stackalloc byte[32];
        hasher.GetHashAndReset(digest);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    private static bool SameMtime(in FileStatus a, in FileStatus b) =>
        a.MtimeSeconds == b.MtimeSeconds && a.MtimeNanoseconds == b.MtimeNanoseconds;

    private static bool SameMetadata(in FileStatus a, in FileStatus b) =>
        a.Inode == b.Inode && a.Size == b.Size && SameMtime(a, b) &&
        a.CtimeSeconds == b.CtimeSeconds && a.CtimeNanoseconds == b.CtimeNanoseconds &&
        a.Mode == b.Mode && a.Uid == b.Uid && a.Gid == b.Gid;
}
