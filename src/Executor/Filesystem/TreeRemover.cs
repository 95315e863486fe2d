using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Deletes a path inside a root like <c>rm -rf</c>, but never follows symlinks, never removes ignored paths (nor
/// the directories holding them) and never descends into another filesystem (an unlisted mount point).
/// </summary>
internal sealed class TreeRemover(RootFs root, IgnoreList ignore)
{
    private readonly ulong _rootDevice = Posix.LStat(root.RootPath).Device;

    /// <summary>Removes <paramref name="insidePath"/> (already resolved, final component not followed); false if absent.</summary>
    public bool Remove(string insidePath)
    {
        if (ignore.IsIgnored(insidePath))
        {
            return false;
        }

        var host = root.ToHostPath(insidePath);
        if (!Posix.TryLStat(host, out var status))
        {
            return false;
        }

        if (!status.IsDirectory)
        {
            return Posix.Remove(host, isDirectory: false);
        }

        RemoveChildren(insidePath, host, status);
        if (insidePath != InsidePath.Root && !ignore.ContainsIgnored(insidePath) && status.Device == _rootDevice)
        {
            Posix.Remove(host, isDirectory: true);
        }

        return true;
    }

    /// <summary>Empties a directory, keeping ignored paths and the directories that lead to them.</summary>
    public void RemoveChildren(string insidePath)
    {
        var host = root.ToHostPath(insidePath);
        if (Posix.TryLStat(host, out var status) && status.IsDirectory)
        {
            RemoveChildren(insidePath, host, status);
        }
    }

    private void RemoveChildren(string insidePath, string host, FileStatus status)
    {
        if (status.Device != _rootDevice)
        {
            return;
        }

        foreach (var (name, isDirectory) in DirectoryListing.Read(host))
        {
            var childInside = InsidePath.Combine(insidePath, name);
            if (ignore.IsIgnored(childInside))
            {
                continue;
            }

            var childHost = InsidePath.Combine(host, name);
            if (!isDirectory)
            {
                Posix.Remove(childHost, isDirectory: false);
                continue;
            }

            if (!Posix.TryLStat(childHost, out var childStatus))
            {
                continue;
            }

            RemoveChildren(childInside, childHost, childStatus);
            if (!ignore.ContainsIgnored(childInside) && childStatus.Device == _rootDevice)
            {
                Posix.Remove(childHost, isDirectory: true);
            }
        }
    }
}
