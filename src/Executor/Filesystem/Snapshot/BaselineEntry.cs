using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>What the snapshotter remembers of one path: its lstat result and, in full mode, a content hash.</summary>
internal readonly record struct BaselineEntry(FileStatus Status, UInt128 Hash);
