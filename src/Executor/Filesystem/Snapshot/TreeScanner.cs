using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>
/// Walks a root (or a subtree of it) and lstats every path, skipping ignored paths and not descending into
/// directories of another filesystem (as <c>find -xdev</c>).
/// </summary>
internal sealed class TreeScanner(RootFs root, IgnoreList ignore)
{
    private readonly ulong _rootDevice = Posix.LStat(root.RootPath).Device;
    private readonly IgnoreList _ignore = ignore;

    /// <summary>Adds <paramref name="insidePath"/> (already resolved) and everything below it to <paramref name="into"/>.</summary>
    public void Scan(string insidePath, Dictionary<string, BaselineEntry> into, CancellationToken ct)
    {
        if (insidePath != InsidePath.Root && _ignore.IsIgnored(insidePath))
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
            into[insidePath] = new BaselineEntry(status, default);
        }

        if (status.IsDirectory && status.Device == _rootDevice)
        {
            ScanDirectory(insidePath, host, into, ct);
        }
    }

    private void ScanDirectory(string insidePath, string host, Dictionary<string, BaselineEntry> into, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var fd = DirectoryScanner.Open(host);
        if (fd < 0)
        {
            return;
        }

        var state = new DirectoryState(this, insidePath, into, _ignore.ContainsIgnored(insidePath));
        DirectoryScanner.Read(fd, host, state, static (state, name, status) => state.Add(name, status));
        foreach (var name in state.Subdirectories)
        {
            ScanDirectory(InsidePath.Combine(insidePath, name), InsidePath.Combine(host, name), into, ct);
        }
    }

    private sealed class DirectoryState(TreeScanner scanner, string insidePath, Dictionary<string, BaselineEntry> into, bool mayHoldIgnored)
    {
        public List<string> Subdirectories { get; } = [];

        public void Add(string name, FileStatus status)
        {
            var path = InsidePath.Combine(insidePath, name);
            if (mayHoldIgnored && scanner._ignore.IsIgnored(path))
            {
                return;
            }

            into[path] = new BaselineEntry(status, default);
            if (status.IsDirectory && status.Device == scanner._rootDevice)
            {
                Subdirectories.Add(name);
            }
        }
    }
}
