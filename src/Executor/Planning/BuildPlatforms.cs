using Kaniko.Executor.Image;

namespace Kaniko.Executor.Planning;

/// <summary>The platform built for (TARGET*) and the one building (BUILD*).</summary>
public sealed record BuildPlatforms(Platform Target, Platform Build)
{
    public static BuildPlatforms Host { get; } = new(Platform.Host, Platform.Host);
}
