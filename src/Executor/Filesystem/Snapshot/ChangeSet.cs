namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>Decides whether a path present now counts as changed; may fill in <paramref name="current"/>'s hash.</summary>
internal delegate bool ChangeTest(string path, BaselineEntry? before, ref BaselineEntry current);

/// <summary>
/// The difference between a baseline and the current state of (part of) a root, as layer items: changed paths
/// with their parent directories, the topmost deleted paths as whiteouts, and replaced directories as opaque.
/// </summary>
internal static class ChangeSet
{
    /// <param name="now">Current state of the scanned scope (becomes the next baseline; hashes are filled in).</param>
    /// <param name="before">Baseline of the same scope.</param>
    /// <param name="isChanged">Decides for every path present now.</param>
    /// <param name="statusOf">lstat of a parent directory outside the scope.</param>
    public static List<LayerItem> Compute(
        Dictionary<string, BaselineEntry> now,
        IReadOnlyDictionary<string, BaselineEntry> before,
        ChangeTest isChanged,
        Func<string, Native.FileStatus?> statusOf)
    {
        var included = new HashSet<string>(StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var typeChanged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in now.Keys)
        {
            ref var current = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(now, path);
            BaselineEntry? old = before.TryGetValue(path, out var entry) ? entry : null;
            var changed = isChanged(path, old, ref current);
            if (old is { } previous)
            {
                if (previous.Status.Type != current.Status.Type)
                {
                    typeChanged.Add(path);
                }
                else if (current.Status.IsDirectory && previous.Status.Inode != current.Status.Inode)
                {
                    replaced.Add(path);
                    changed = true;
                }
            }

            if (changed)
            {
                included.Add(path);
            }
        }

        if (replaced.Count > 0)
        {
            foreach (var path in now.Keys)
            {
                if (HasAncestorIn(path, replaced))
                {
                    included.Add(path);
                }
            }
        }

        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in before.Keys)
        {
            if (!now.ContainsKey(path))
            {
                deleted.Add(path);
            }
        }

        var items = new List<LayerItem>();
        foreach (var path in deleted)
        {
            if (!HasAncestorIn(path, deleted) && !HasAncestorIn(path, typeChanged) && !HasAncestorIn(path, replaced))
            {
                items.Add(new LayerItem(path, LayerItemKind.Whiteout, default));
                AddParents(path, included);
            }
        }

        foreach (var path in replaced)
        {
            items.Add(new LayerItem(path, LayerItemKind.Opaque, default));
        }

        foreach (var path in included.ToList())
        {
            AddParents(path, included);
        }

        foreach (var path in included)
        {
            var status = now.TryGetValue(path, out var current) ? current.Status : statusOf(path);
            if (status is { } value)
            {
                items.Add(new LayerItem(path, LayerItemKind.Entry, value));
            }
        }

        return items;
    }

    private static void AddParents(string path, HashSet<string> into)
    {
        for (var parent = InsidePath.Parent(path); parent != InsidePath.Root && into.Add(parent); parent = InsidePath.Parent(parent))
        {
        }
    }

    private static bool HasAncestorIn(string path, HashSet<string> set)
    {
        if (set.Count == 0)
        {
            return false;
        }

        for (var parent = InsidePath.Parent(path); parent != InsidePath.Root; parent = InsidePath.Parent(parent))
        {
            if (set.Contains(parent))
            {
                return true;
            }
        }

        return false;
    }
}
