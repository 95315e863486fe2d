using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem;

/// <summary>
/// The only way into a build root: resolves paths as if the process were chrooted into it. Symlinks (absolute or
/// relative, chained) are followed inside the root, and '..' never climbs above it, so a resolved path never escapes.
/// </summary>
public sealed class RootFs
{
    private const int MaxSymlinks = 255;

    public RootFs(string rootPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        var full = Path.GetFullPath(rootPath);
        RootPath = full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>The root as a host path, without a trailing slash (except for "/").</summary>
    public string RootPath { get; }

    /// <summary>The host path for <paramref name="pathInsideRoot"/>, symlinks resolved inside the root.</summary>
    public string Resolve(string pathInsideRoot, bool followFinalSymlink) =>
        ToHostPath(ResolveInside(pathInsideRoot, followFinalSymlink));

    /// <summary>The host path of an already resolved (or lexically clean) inside path; no resolution.</summary>
    public string ToHostPath(string insidePath) =>
        RootPath == "/" ? insidePath : insidePath == InsidePath.Root ? RootPath : RootPath + insidePath;

    /// <summary>
    /// Resolves <paramref name="pathInsideRoot"/> to a canonical inside path with no symlink in any component
    /// except possibly the last (when <paramref name="followFinalSymlink"/> is false). Missing components are kept.
    /// </summary>
    public string ResolveInside(string pathInsideRoot, bool followFinalSymlink)
    {
        var pending = new Stack<string>();
        PushComponents(pending, pathInsideRoot);
        var resolved = new List<string>();
        var symlinks = 0;
        var missing = false;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            resolved.Add(part);
            if (missing || (pending.Count == 0 && !followFinalSymlink))
            {
                continue;
            }

            var host = ToHostPath("/" + string.Join('/', resolved));
            if (!Posix.TryLStat(host, out var status))
            {
                missing = true;
                continue;
            }

            if (!status.IsSymlink)
            {
                continue;
            }

            if (++symlinks > MaxSymlinks)
            {
                throw new IOException($"too many levels of symbolic links resolving '{pathInsideRoot}' in {RootPath}");
            }

            var target = Posix.ReadLink(host);
            resolved.RemoveAt(resolved.Count - 1);
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            PushComponents(pending, target);
        }

        return resolved.Count == 0 ? InsidePath.Root : "/" + string.Join('/', resolved);
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
