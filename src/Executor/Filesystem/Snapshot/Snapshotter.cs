using System.Runtime.InteropServices;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Snapshot;
using Kaniko.Executor.Image;

namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Records a baseline of a root and turns what changed since into layers. Each snapshot becomes the new baseline.
/// Not thread-safe: one build step at a time.
/// </summary>
public sealed class Snapshotter
{
    private readonly RootFs _root;
    private readonly IgnoreList _ignore;
    private readonly SnapshotOptions _options;
    private readonly ChangeDetector _detector;
    private Dictionary<string, BaselineEntry>? _baseline;

    public Snapshotter(string rootPath, IgnoreList ignore, SnapshotOptions options)
    {
        ArgumentNullException.ThrowIfNull(ignore);
        ArgumentNullException.ThrowIfNull(options);
        _root = new RootFs(rootPath);
        _ignore = ignore;
        _options = options;
        _detector = new ChangeDetector(options.Mode);
    }

    /// <summary>Number of paths in the baseline (for diagnostics).</summary>
    public int BaselineCount => _baseline?.Count ?? 0;

    /// <summary>Records the baseline of the whole root.</summary>
    public Task InitializeAsync(CancellationToken ct) => Task.Run(
        () =>
        {
            var scanStart = NowNanoseconds();
            var baseline = Scan(InsidePath.Root, ct);
            foreach (var path in baseline.Keys)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(baseline, path);
                entry = WithHashes(path, entry, scanStart);
            }

            _baseline = baseline;
        },
        ct);

    /// <summary>Everything added, changed or deleted since the baseline as a layer; null when nothing changed.</summary>
    public Task<LayerFile?> TakeSnapshotAsync(string outputDirectory, CancellationToken ct) =>
        Task.Run(() => TakeSnapshot(outputDirectory, ct), ct);

    /// <summary>
    /// Only the given paths (files or whole directories, as COPY wrote them) as a layer: every path given is
    /// included, deletions below given directories become whiteouts. The baseline is updated for them.
    /// </summary>
    public Task<LayerFile?> TakeSnapshotOfPathsAsync(IReadOnlyCollection<string> pathsInsideRoot, string outputDirectory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pathsInsideRoot);
        return Task.Run(() => TakeSnapshotOfPaths(pathsInsideRoot, outputDirectory, ct), ct);
    }

    private LayerFile? TakeSnapshot(string outputDirectory, CancellationToken ct)
    {
        var baseline = RequireBaseline();
        var scanStart = NowNanoseconds();
        var now = Scan(InsidePath.Root, ct);
        var items = ChangeSet.Compute(
            now,
            baseline,
            (string path, BaselineEntry? before, ref BaselineEntry current) =>
            {
                if (before is not { } old)
                {
                    current = WithHashes(path, current, scanStart);
                    return true;
                }

                var changed = _detector.IsChanged(old, current.Status, _root.ToHostPath(path), out var hash);
                current = current with { Hash = hash };
                if (_detector.IsRacy(current.Status, scanStart))
                {
                    current = WithHashes(path, current, scanStart);
                }

                return changed;
            },
            StatusOf);
        var layer = items.Count == 0 ? null : new SnapshotLayerWriter(_root, _options).Write(items, outputDirectory, ct);
        _baseline = now;
        return layer;
    }

    private LayerFile? TakeSnapshotOfPaths(IReadOnlyCollection<string> paths, string outputDirectory, CancellationToken ct)
    {
        var baseline = RequireBaseline();
        var scopes = new List<string>();
        foreach (var path in paths)
        {
            var clean = InsidePath.CleanConfined("/" + path);
            var resolved = clean == InsidePath.Root
                ? clean
                : InsidePath.Combine(_root.ResolveInside(InsidePath.Parent(clean), followFinalSymlink: true), InsidePath.FileName(clean));
            if (!_ignore.IsIgnored(resolved) || resolved == InsidePath.Root)
            {
                scopes.Add(resolved);
            }
        }

        var scopeSet = new HashSet<string>(scopes, StringComparer.Ordinal);
        scopes = scopeSet.Where(scope => !IsBelowAny(scope, scopeSet)).ToList();
        if (scopes.Count == 0)
        {
            return null;
        }

        var scanStart = NowNanoseconds();
        var now = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            ct.ThrowIfCancellationRequested();
            new TreeScanner(_root, _ignore).Scan(scope, now, ct);
        }

        var before = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        scopeSet = new HashSet<string>(scopes, StringComparer.Ordinal);
        var wholeRoot = scopeSet.Contains(InsidePath.Root);
        foreach (var (path, entry) in baseline)
        {
            if (wholeRoot || scopeSet.Contains(path) || IsBelowAny(path, scopeSet))
            {
                before[path] = entry;
            }
        }

        var items = ChangeSet.Compute(
            now,
            before,
            (string path, BaselineEntry? before, ref BaselineEntry current) =>
            {
                current = WithHashes(path, current, scanStart);
                return true; // COPY output is always part of its layer, as in kaniko
            },
            StatusOf);
        if (items.Count == 0)
        {
            return null;
        }

        var layer = new SnapshotLayerWriter(_root, _options).Write(items, outputDirectory, ct);
        foreach (var path in before.Keys)
        {
            if (!now.ContainsKey(path))
            {
                baseline.Remove(path);
            }
        }

        foreach (var (path, entry) in now)
        {
            baseline[path] = entry;
        }

        foreach (var item in items)
        {
            if (item.Kind == LayerItemKind.Entry && !now.ContainsKey(item.Path))
            {
                baseline[item.Path] = WithHashes(item.Path, new BaselineEntry(item.Status, default), scanStart);
            }
        }

        return layer;
    }

    /// <summary>True when a strict ancestor of <paramref name="path"/> is in <paramref name="set"/>.</summary>
    private static bool IsBelowAny(string path, HashSet<string> set)
    {
        if (path == InsidePath.Root)
        {
            return false;
        }

        for (var parent = InsidePath.Parent(path); ; parent = InsidePath.Parent(parent))
        {
            if (set.Contains(parent))
            {
                return true;
            }

            if (parent == InsidePath.Root)
            {
                return false;
            }
        }
    }

    private Dictionary<string, BaselineEntry> Scan(string scope, CancellationToken ct)
    {
        var entries = new Dictionary<string, BaselineEntry>(Math.Max(_baseline?.Count ?? 0, 1024), StringComparer.Ordinal);
        new TreeScanner(_root, _ignore).Scan(scope, entries, ct);
        return entries;
    }

    private FileStatus? StatusOf(string path) =>
        Posix.TryLStat(_root.ToHostPath(path), out var status) ? status : null;

    /// <summary>The entry with the content hash full mode needs, or fast mode needs for a racy entry.</summary>
    private BaselineEntry WithHashes(string path, in BaselineEntry entry, long scanStart)
    {
        var racy = _detector.IsRacy(entry.Status, scanStart);
        return _detector.NeedsHashes || racy
            ? new BaselineEntry(entry.Status, ChangeDetector.Hash(_root.ToHostPath(path), entry.Status), racy)
            : entry with { Racy = false };
    }

    private static long NowNanoseconds() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private Dictionary<string, BaselineEntry> RequireBaseline() =>
        _baseline ?? throw new InvalidOperationException("InitializeAsync must record a baseline before a snapshot is taken");
}
