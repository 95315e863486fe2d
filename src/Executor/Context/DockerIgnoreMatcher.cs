using Kaniko.Executor.Dockerfile;

namespace Kaniko.Executor.Context;

/// <summary>
/// Decides which context paths a .dockerignore excludes. Patterns apply in order and the last
/// one that matches a path (or any of its parent directories) wins, so <c>!</c> exceptions
/// re-include what earlier lines excluded.
/// </summary>
public sealed class DockerIgnoreMatcher
{
    private readonly DockerIgnorePattern[] _patterns;

    private DockerIgnoreMatcher(DockerIgnorePattern[] patterns, string source)
    {
        _patterns = patterns;
        Source = source;
        HasExceptions = patterns.Any(pattern => pattern.IsException);
    }

    public static DockerIgnoreMatcher Empty { get; } = new([], "");

    /// <summary>The ignore file the patterns came from ("" when none).</summary>
    public string Source { get; }

    public IReadOnlyList<DockerIgnorePattern> Patterns => _patterns;

    public bool HasExceptions { get; }

    /// <summary>Reads .dockerignore text; throws <see cref="DockerfileException"/> for a malformed pattern.</summary>
    public static DockerIgnoreMatcher Parse(string text, string source = ".dockerignore")
    {
        ArgumentNullException.ThrowIfNull(text);
        var patterns = new List<DockerIgnorePattern>();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].TrimEnd('\r');
            if (index == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            // Only a # in the first column starts a comment.
            if (line.StartsWith('#'))
            {
                continue;
            }

            var pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            var isException = pattern[0] == '!';
            if (isException)
            {
                pattern = pattern[1..].Trim();
            }

            if (pattern.Length > 0)
            {
                // "./a" and "/a" both mean "a" at the context root.
                pattern = DockerIgnorePaths.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }

            patterns.Add(DockerIgnorePattern.Create(isException ? "!" + pattern : pattern, index + 1, source));
        }

        return new DockerIgnoreMatcher([.. patterns], source);
    }

    /// <summary>Whether the context-relative path (slash- or backslash-separated) is left out of the build context.</summary>
    public bool IsExcluded(string relativePath)
    {
        if (_patterns.Length == 0)
        {
            return false;
        }

        var path = DockerIgnorePaths.Normalize(relativePath);
        var parents = ParentsOf(path);
        var excluded = false;
        foreach (var pattern in _patterns)
        {
            // An exclusion cannot change an excluded path, nor an exception an included one.
            if (pattern.IsException != excluded)
            {
                continue;
            }

            var matched = pattern.Matches(path) || parents.Any(pattern.Matches);
            if (matched)
            {
                excluded = !pattern.IsException;
            }
        }

        return excluded;
    }

    /// <summary>
    /// Whether some path below this directory could be re-included by an exception, so a walker
    /// must descend into the directory even when it is excluded.
    /// </summary>
    public bool MayContainIncludedPaths(string relativeDirectory)
    {
        if (!HasExceptions)
        {
            return false;
        }

        var components = DockerIgnorePaths.Normalize(relativeDirectory).Split('/');
        foreach (var pattern in _patterns)
        {
            if (pattern.IsException && CouldMatchBelow(pattern, components))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An excluded directory with nothing re-included below it: a walker can skip it whole.</summary>
    public bool CanSkipDirectory(string relativeDirectory) =>
        IsExcluded(relativeDirectory) && !MayContainIncludedPaths(relativeDirectory);

    private static bool CouldMatchBelow(DockerIgnorePattern pattern, string[] directory)
    {
        var components = pattern.Components;
        for (var i = 0; i < directory.Length; i++)
        {
            if (i >= components.Count)
            {
                // The pattern names this directory or an ancestor.
                return true;
            }

            if (components[i].Contains("**", StringComparison.Ordinal))
            {
                return true;
            }

            if (!pattern.ComponentMatches(i, directory[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static List<string> ParentsOf(string path)
    {
        var parents = new List<string>();
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            parents.Add(path[..slash]);
        }

        return parents;
    }
}
