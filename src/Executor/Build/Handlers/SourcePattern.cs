using Kaniko.Executor.Context;

namespace Kaniko.Executor.Build.Handlers;

/// <summary>COPY source wildcards: one path segment against Go's filepath.Match syntax, as BuildKit matches them.</summary>
internal static class SourcePattern
{
    public static bool Matches(string segmentPattern, string name)
    {
        try
        {
            return DockerIgnorePattern.Create(segmentPattern, 1, "COPY source").Matches(name);
        }
        catch (Dockerfile.DockerfileException e)
        {
            throw new InvalidOperationException($"the source pattern '{segmentPattern}' is malformed: {e.Problem}", e);
        }
    }
}
