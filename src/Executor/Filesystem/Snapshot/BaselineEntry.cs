using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Snapshot;

/// <summary>
/// What the snapshotter remembers of one path: its lstat result and, in full mode or when the entry is racy, a
/// content hash. Racy: changed so close to the scan that a later change could carry the same timestamps.
/// </summary>
internal readonly record struct BaselineEntry(FileStatus Status, UInt128 Hash, bool Racy = false);
