namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Paths that are never part of the image and never written by extraction or deleted by cleaning: the
/// executor's own folder and extra --ignore-path values, mount points inside the root, and /proc, /sys and /dev
/// when the root is "/". Paths are inside-root paths ("/a/b"); everything at or below an ignored path is ignored.
/// </summary>
public sealed class IgnoreList
{
    private readonly string[] _paths;

    private IgnoreList(IEnumerable<string> paths)
    {
        _paths = paths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>No ignored paths at all.</summary>
    public static IgnoreList Empty { get; } = new([]);

    /// <summary>The ignored inside-root paths, sorted.</summary>
    public IReadOnlyList<string> Paths => _paths;

    public static IgnoreList Create(string rootPath, IEnumerable<string> extraIgnoredPaths, bool readMountInfo) =>
        Create(rootPath, extraIgnoredPaths, readMountInfo ? File.ReadAllText(MountInfo.SelfPath) : null);

    /// <summary>As <see cref="Create(string, IEnumerable{string}, bool)"/>, with mountinfo text given (tests).</summary>
    internal static IgnoreList Create(string rootPath, IEnumerable<string> extraIgnoredPaths, string? mountInfoText)
    {
        var root = new RootFs(rootPath).RootPath;
        var paths = new List<string>();
        foreach (var extra in extraIgnoredPaths)
        {
            var clean = InsidePath.Clean("/" + extra.Trim());
            if (clean is not null)
            {
                paths.Add(clean);
            }
        }

        if (root == "/")
        {
            paths.AddRange(["/proc", "/sys", "/dev"]);
        }

        if (mountInfoText is not null)
        {
            foreach (var mountPoint in MountInfo.ParseMountPoints(mountInfoText))
            {
                var inside = ToInsidePath(root, mountPoint);
                if (inside is not null and not InsidePath.Root)
                {
                    paths.Add(inside);
                }
            }
        }

        return new IgnoreList(paths);
    }

    /// <summary>True when the path is an ignored path or lies below one.</summary>
    public bool IsIgnored(string pathInsideRoot)
    {
        foreach (var ignored in _paths)
        {
            if (InsidePath.IsSelfOrBelow(pathInsideRoot, ignored))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when an ignored path lies strictly below <paramref name="pathInsideRoot"/>: it may not be removed whole.</summary>
    public bool ContainsIgnored(string pathInsideRoot)
    {
        foreach (var ignored in _paths)
        {
            if (ignored.Length > pathInsideRoot.Length && InsidePath.IsSelfOrBelow(ignored, pathInsideRoot))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ToInsidePath(string root, string hostPath)
    {
        var clean = InsidePath.Clean(hostPath);
        if (clean is null)
        {
            return null;
        }

        if (root == "/")
        {
            return clean;
        }

        return InsidePath.IsSelfOrBelow(clean, root)
            ? clean.Length == root.Length ? InsidePath.Root : clean[root.Length..]
            : null;
    }
}
