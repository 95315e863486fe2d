using Kaniko.Executor.Build.Handlers;
using Kaniko.Executor.Build.Run;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Planning;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Build;

/// <summary>What a stage needs from the build around it.</summary>
public sealed record StageServices(
    string RootPath,
    RootFs RootFs,
    IgnoreList Ignore,
    Snapshotter Snapshotter,
    RunLauncher Launcher,
    string LayersDirectory,
    CopySource Context,
    Func<string, CancellationToken, Task<CopySource>> ResolveCopyFrom,
    Func<string, string, bool> GlobMatch,
    char EscapeChar,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> InheritedArgs,
    BuildPlatforms Platforms,
    Func<DateTimeOffset?> Now,
    ExecutorFolderGuard? FolderGuard,
    bool SingleSnapshot,
    ILogger Logger)
{
    /// <summary>The remote layer cache (--cache), or null.</summary>
    public Cache.LayerCache? Cache { get; init; }
}
