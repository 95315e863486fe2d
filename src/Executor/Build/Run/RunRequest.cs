namespace Kaniko.Executor.Build.Run;

/// <summary>What one RUN step executes, and as whom.</summary>
public sealed record RunRequest(
    IReadOnlyList<string> Arguments,
    IReadOnlyList<string> Environment,
    string WorkingDirectory,
    uint Uid,
    uint Gid,
    IReadOnlyList<uint> SupplementaryGroups);
