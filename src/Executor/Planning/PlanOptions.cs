using Kaniko.Executor.Image;

namespace Kaniko.Executor.Planning;

/// <summary>Optional inputs to planning beyond the Dockerfile, build args and target.</summary>
public sealed record PlanOptions
{
    /// <summary>The platform built for; the host when null.</summary>
    public Platform? TargetPlatform { get; init; }

    /// <summary>The platform doing the build; the host when null.</summary>
    public Platform? BuildPlatform { get; init; }
}
