using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>
/// Walks a root (or a subtree of it) and lstats every path, skipping ignored paths and not descending into
/// directories of another filesystem (as <c>find -xdev</c>).
/// </summary>
internal sealed class TreeScanner(RootFs root, IgnoreList ignore)
{
    private readonly ulong _rootDevice = Posix.LStat(root.RootPath).Device;

    /// <summary>Adds <paramref name="insidePath"/> (already resolved) and everything below it to <paramref name="into"/>.</summary>
    public void Scan(string insidePath, Dictionary<string, FileStatus> into, CancellationToken ct)
    {
        if (insidePath != InsidePath.Root && ignore.IsIgnored(insidePath))
        {
            return;
        }

        var host = root.ToHostPath(insidePath);
        if (!Posix.TryLStat(host, out var status))
        {
            return;
        }

        if (insidePath != InsidePath.Root)
        {
            into[insidePath] = status;
        }

        if (status.IsDirectory && status.Device == _rootDevice)
        {
            ScanDirectory(insidePath, host, into, ct);
        }
    }

    private void ScanDirectory(string insidePath, string host, Dictionary<string, FileStatus> into, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        List<(string Name, bool IsDirectory)> children;
        try
        {
            children = DirectoryListing.Read(host);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        foreach (var (name, _) in children)
        {
            var childInside = InsidePath.Combine(insidePath, name);
            if (ignore.IsIgnored(childInside))
            {
                continue;
            }

            var childHost = InsidePath.Combine(host, name);
            if (!Posix.TryLStat(childHost, out var status))
            {
                continue;
            }

            into[childInside] = status;
            if (status.IsDirectory && status.Device == _rootDevice)
            {
                ScanDirectory(childInside, childHost, into, ct);
            }
        }
    }
}
