using Kaniko.Executor.Filesystem;

namespace Kaniko.Executor.Build.Handlers;

/// <summary>
/// Where COPY reads from: the build context (with .dockerignore applied) or another stage's or image's
/// root. Paths resolve inside <see cref="RootPath"/> as if it were chrooted, so a symlink cannot lead out.
/// </summary>
public sealed class CopySource(string description, string rootPath, Func<string, bool>? isExcluded)
{
    private readonly RootFs _rootFs = new(rootPath);

    public string Description { get; } = description;

    public string RootPath { get; } = rootPath;

    /// <summary>True when a path (relative to the source root, '/'-separated, no leading slash) is left out by .dockerignore.</summary>
    public bool IsExcluded(string relativePath) => isExcluded?.Invoke(relativePath) ?? false;

    public string Resolve(string pathInsideSource, bool followFinalSymlink) =>
        _rootFs.Resolve(pathInsideSource, followFinalSymlink);
}
