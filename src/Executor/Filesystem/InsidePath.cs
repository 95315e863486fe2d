namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Paths as seen inside a root: absolute, '/'-separated, no '.', '..', empty or trailing components; "/" is the root.
/// </summary>
internal static class InsidePath
{
    public const string Root = "/";

    /// <summary>
    /// Lexically cleans a tar entry name or a caller's path. '..' may not climb above the root: null is returned
    /// then, so the caller can reject the entry.
    /// </summary>
    public static string? Clean(string path)
    {
        if (IsClean(path))
        {
            return path;
        }

        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            switch (part)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                    continue;
                default:
                    parts.Add(part);
                    continue;
            }
        }

        return parts.Count == 0 ? Root : "/" + string.Join('/', parts);
    }

    /// <summary>Like <see cref="Clean"/>, but '..' above the root stays at the root (as a symlink target inside a chroot).</summary>
    public static string CleanConfined(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            switch (part)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (parts.Count > 0)
                    {
                        parts.RemoveAt(parts.Count - 1);
                    }

                    continue;
                default:
                    parts.Add(part);
                    continue;
            }
        }

        return parts.Count == 0 ? Root : "/" + string.Join('/', parts);
    }

    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? Root : path[..slash];
    }

    public static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static string Combine(string directory, string name) => directory == Root ? "/" + name : directory + "/" + name;

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsSelfOrBelow(string path, string ancestor) =>
        ancestor == Root ||
        (path.StartsWith(ancestor, StringComparison.Ordinal) &&
         (path.Length == ancestor.Length || path[ancestor.Length] == '/'));

    private static bool IsClean(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        if (path[^1] == '/')
        {
            return false;
        }

        var start = 1;
        while (start <= path.Length)
        {
            var end = path.IndexOf('/', start);
            if (end < 0)
            {
                end = path.Length;
            }

            var length = end - start;
            if (length == 0 || (length == 1 && path[start] == '.') || (length == 2 && path[start] == '.' && path[start + 1] == '.'))
            {
                return false;
            }

            start = end + 1;
        }

        return true;
    }
}
