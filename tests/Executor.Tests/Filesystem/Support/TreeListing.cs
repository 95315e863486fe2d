using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Tests.Filesystem.Support;

/// <summary>A comparable description of a tree: one line per path with type, mode, owner, mtime, content hash, link target, xattrs.</summary>
internal static class TreeListing
{
    public static List<string> Of(string root, bool withMtime = true, bool withDirectoryMtime = true, Func<string, bool>? exclude = null)
    {
        var lines = new List<string>();
        Walk(root, "", lines, withMtime, withDirectoryMtime, exclude ?? (_ => false));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static void Walk(string root, string relative, List<string> lines, bool withMtime, bool withDirectoryMtime, Func<string, bool> exclude)
    {
        var host = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (var entry in Directory.EnumerateFileSystemEntries(host).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            var rel = relative.Length == 0 ? name : relative + "/" + name;
            if (exclude(rel))
            {
                continue;
            }

            var status = Posix.LStat(entry);
            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"{rel} type={status.Type >> 12:x} mode={Convert.ToString(status.Permissions, 8)} owner={status.Uid}:{status.Gid}");
            if (withMtime && (withDirectoryMtime || !status.IsDirectory))
            {
                line.Append(CultureInfo.InvariantCulture, $" mtime={status.MtimeSeconds}");
            }

            if (status.IsRegular)
            {
                line.Append(" sha=").Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry)))[..16]);
                line.Append(CultureInfo.InvariantCulture, $" links={status.LinkCount}");
            }
            else if (status.IsSymlink)
            {
                line.Append(" -> ").Append(Posix.ReadLink(entry));
            }
            else if (status.Type is FileStatus.TypeCharDevice or FileStatus.TypeBlockDevice)
            {
                line.Append(CultureInfo.InvariantCulture, $" dev={status.RdevMajor},{status.RdevMinor}");
            }

            var xattrs = Posix.GetXattrs(entry);
            if (xattrs is not null)
            {
                foreach (var (key, value) in xattrs)
                {
                    line.Append(' ').Append(key).Append('=').Append(Convert.ToHexStringLower(value));
                }
            }

            lines.Add(line.ToString());
            if (status.IsDirectory)
            {
                Walk(root, rel, lines, withMtime, withDirectoryMtime, exclude);
            }
        }
    }
}
