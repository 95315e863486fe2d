using System.Globalization;
using Kaniko.Executor.Dockerfile.Instructions;
using Kaniko.Executor.Filesystem;

namespace Kaniko.Executor.Build.Handlers;

/// <summary>COPY (and ADD of local files): copies sources into the root and returns the paths it wrote.</summary>
internal sealed class CopyHandler(RootFs rootFs, IgnoreList ignore, UserResolver users)
{
    private readonly RootWriter _writer = new(rootFs);

    public async Task<IReadOnlyCollection<string>> ExecuteAsync(
        CopyInstruction copy, CopySource source, string workingDirectory, Func<string, string, bool> globMatch, CancellationToken cancellationToken)
    {
        var owner = copy.Chown is null ? UserResolver.Root : users.Resolve(copy.Chown, withSupplementaryGroups: false);
        var mode = copy.Chmod is null ? (UnixFileMode?)null : ParseMode(copy.Chmod);
        var destination = CombineInside(workingDirectory, copy.Destination);
        var destinationIsDirectory = copy.Destination.EndsWith('/') || copy.Destination is "." or "./";

        var written = new List<string>();
        if (copy.Heredocs.Count > 0)
        {
            foreach (var heredoc in copy.Heredocs)
            {
                var target = destinationIsDirectory || copy.Heredocs.Count > 1 ? CombineInside(destination, heredoc.Name) : destination;
                GuardAgainstIgnored(target);
                _writer.CreateDirectories(ParentOf(target), UserResolver.Root);
                _writer.WriteFile(target, heredoc.Content, owner, mode ?? (UnixFileMode)0b110_100_100);
                written.Add(target);
            }

            return written;
        }

        var matches = new List<string>();
        foreach (var pattern in copy.Sources)
        {
            var found = FindSources(source, pattern, globMatch);
            if (found.Count == 0)
            {
                throw new InvalidOperationException(
                    $"'{pattern}' not found in {source.Description}" +
                    (source.Description == "the build context" ? " (or excluded by .dockerignore)" : string.Empty));
            }

            matches.AddRange(found);
        }

        if (matches.Count > 1 || copy.Sources.Any(HasWildcard))
        {
            destinationIsDirectory = true;
        }

        if (!destinationIsDirectory && Directory.Exists(rootFs.Resolve(destination, followFinalSymlink: true)))
        {
            destinationIsDirectory = true;
        }

        foreach (var match in matches)
        {
            var hostSource = source.Resolve(match, followFinalSymlink: true);
            if (!Path.Exists(hostSource))
            {
                throw new InvalidOperationException(
                    $"'{match}' is a symbolic link whose target is missing or outside {source.Description}; COPY follows links only within it");
            }

            if (Directory.Exists(hostSource))
            {
                // A directory's contents are copied, not the directory itself (docker semantics).
                GuardAgainstIgnored(destination);
                var created = _writer.CreateDirectories(destination, UserResolver.Root);
                written.Add(created ?? destination);
                CopyTree(source, match, hostSource, destination, owner, mode);
            }
            else if (copy.IsAdd && IsArchive(hostSource, match))
            {
                // ADD unpacks a local archive into the destination directory, as docker does.
                GuardAgainstIgnored(destination);
                var created = _writer.CreateDirectories(destination, UserResolver.Root);
                var hostDestination = rootFs.Resolve(destination, followFinalSymlink: true);
                var archive = File.OpenRead(hostSource);
                await using (archive.ConfigureAwait(false))
                {
                    await new LayerExtractor().ExtractAsync(
                        archive, $"ADD {match}", hostDestination, IgnoreList.Create(hostDestination, [], readMountInfo: false), cancellationToken).ConfigureAwait(false);
                }

                written.Add(created ?? destination);
            }
            else
            {
                var target = destinationIsDirectory ? CombineInside(destination, Path.GetFileName(match)) : destination;
                GuardAgainstIgnored(target);
                var created = _writer.CreateDirectories(ParentOf(target), UserResolver.Root);
                _writer.CopyEntry(hostSource, target, owner, mode);
                written.Add(created ?? target);
            }
        }

        return written;
    }

    private static bool IsArchive(string hostSource, string match) =>
        ArchiveDetector.Detect(hostSource, out var unsupported) switch
        {
            ArchiveKind.Tar => true,
            ArchiveKind.Unsupported => throw new InvalidOperationException(
                $"ADD {match}: {unsupported} archives are not unpacked yet; unpack it in the context, or COPY it and unpack it in a RUN step"),
            _ => false,
        };

    private void CopyTree(CopySource source, string relativeRoot, string hostDirectory, string destination, UserIdentity owner, UnixFileMode? mode)
    {
        var entries = new DirectoryInfo(hostDirectory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var relative = relativeRoot.TrimEnd('/') + "/" + entry.Name;
            if (source.IsExcluded(relative.TrimStart('/')))
            {
                continue;
            }

            var target = CombineInside(destination, entry.Name);
            _writer.CopyEntry(entry.FullName, target, owner, mode);
            if (entry is DirectoryInfo && entry.LinkTarget is null)
            {
                CopyTree(source, relative, entry.FullName, target, owner, mode);
            }
        }
    }

    internal static List<string> FindSources(CopySource source, string pattern, Func<string, string, bool> globMatch)
    {
        var clean = CombineInside("/", pattern);

        if (!HasWildcard(clean))
        {
            var host = source.Resolve(clean, followFinalSymlink: false);
            var exists = File.Exists(host) || Directory.Exists(host) || new FileInfo(host).LinkTarget is not null;
            return exists && (clean == "/" || !source.IsExcluded(clean.TrimStart('/'))) ? [clean] : [];
        }

        // Match segment by segment, so a wildcard never crosses a '/'.
        var candidates = new List<string> { "/" };
        foreach (var segment in clean.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = new List<string>();
            foreach (var directory in candidates)
            {
                var host = source.Resolve(directory, followFinalSymlink: true);
                if (!Directory.Exists(host))
                {
                    continue;
                }

                foreach (var entry in Directory.EnumerateFileSystemEntries(host).Select(Path.GetFileName).OfType<string>())
                {
                    if (HasWildcard(segment) ? globMatch(segment, entry) : entry == segment)
                    {
                        next.Add(directory == "/" ? "/" + entry : directory + "/" + entry);
                    }
                }
            }

            candidates = next;
        }

        return candidates.Where(c => !source.IsExcluded(c.TrimStart('/'))).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Trap 2: the executor's folder is never snapshotted, so content written there would be lost silently.</summary>
    private void GuardAgainstIgnored(string pathInsideRoot)
    {
        if (ignore.IsIgnored(pathInsideRoot))
        {
            throw new InvalidOperationException(
                $"{pathInsideRoot} is inside a path that is never part of the image (the executor's own folder, a mount point or an --ignore-path); " +
                "the content would be lost. Move the executor's folder elsewhere (set KANIKO_DIR or --kaniko-dir) or copy to another path.");
        }
    }

    private static UnixFileMode ParseMode(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _) && text.All(c => c is >= '0' and <= '7')
            ? (UnixFileMode)Convert.ToInt32(text, 8)
            : throw new InvalidOperationException($"--chmod={text}: expected an octal mode such as 0755");

    private static bool HasWildcard(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>Joins a path inside the root, folding "." and ".." without ever climbing above "/".</summary>
    internal static string CombineInside(string directory, string name) =>
        InsidePath.CleanConfined(name.StartsWith('/') ? name : directory + "/" + name);

    private static string ParentOf(string pathInsideRoot) => InsidePath.Parent(InsidePath.CleanConfined(pathInsideRoot));
}
