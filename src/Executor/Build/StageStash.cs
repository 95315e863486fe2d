using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Build;

/// <summary>
/// Keeps a finished stage's files for a later <c>COPY --from</c> before the root is wiped: hard links where
/// the filesystem allows (cheap, and the wipe only unlinks the root's names), copies otherwise.
/// </summary>
public static class StageStash
{
    public static void Save(string rootPath, IgnoreList ignore, string stashPath)
    {
        Directory.CreateDirectory(stashPath);
        CopyDirectory(rootPath, "/", stashPath, ignore);
    }

    private static void CopyDirectory(string hostDirectory, string insideRoot, string targetDirectory, IgnoreList ignore)
    {
        foreach (var entry in new DirectoryInfo(hostDirectory).EnumerateFileSystemInfos())
        {
            var inside = insideRoot == "/" ? "/" + entry.Name : insideRoot + "/" + entry.Name;
            if (ignore.IsIgnored(inside))
            {
                continue;
            }

            var target = Path.Combine(targetDirectory, entry.Name);
            if (entry.LinkTarget is { } linkTarget)
            {
                File.CreateSymbolicLink(target, linkTarget);
            }
            else if (entry is DirectoryInfo)
            {
                Directory.CreateDirectory(target);
                CopyDirectory(entry.FullName, inside, target, ignore);
                File.SetUnixFileMode(target, entry.UnixFileMode);
                Directory.SetLastWriteTimeUtc(target, entry.LastWriteTimeUtc);
                CopyOwner(entry.FullName, target);
            }
            else if (LibC.Link(entry.FullName, target) != 0)
            {
                File.Copy(entry.FullName, target);
                File.SetUnixFileMode(target, entry.UnixFileMode);
                File.SetLastWriteTimeUtc(target, entry.LastWriteTimeUtc);
                CopyOwner(entry.FullName, target);
            }
        }
    }

    private static void CopyOwner(string source, string target)
    {
        if (Posix.TryLStat(source, out var status))
        {
            LibC.LChown(target, status.Uid, status.Gid);
        }
    }
}
