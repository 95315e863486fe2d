namespace Kaniko.Executor.Context;

/// <summary>
/// Finds the ignore file for a build: <c>&lt;Dockerfile&gt;.dockerignore</c> next to the Dockerfile
/// wins over <c>.dockerignore</c> at the context root.
/// </summary>
public static class DockerIgnoreFile
{
    public const string DefaultName = ".dockerignore";

    /// <summary>The ignore file that applies, or null when there is none.</summary>
    public static string? Locate(string contextDirectory, string? dockerfilePath)
    {
        ArgumentNullException.ThrowIfNull(contextDirectory);
        if (!string.IsNullOrEmpty(dockerfilePath))
        {
            var dockerfile = Path.IsPathRooted(dockerfilePath) ? dockerfilePath : Path.Combine(contextDirectory, dockerfilePath);
            var specific = dockerfile + DefaultName;
            if (File.Exists(specific))
            {
                return specific;
            }
        }

        var general = Path.Combine(contextDirectory, DefaultName);
        return File.Exists(general) ? general : null;
    }

    /// <summary>The matcher for a build; empty (nothing excluded) when no ignore file exists.</summary>
    public static DockerIgnoreMatcher Load(string contextDirectory, string? dockerfilePath)
    {
        var path = Locate(contextDirectory, dockerfilePath);
        return path is null ? DockerIgnoreMatcher.Empty : DockerIgnoreMatcher.Parse(File.ReadAllText(path), Path.GetFileName(path));
    }
}
