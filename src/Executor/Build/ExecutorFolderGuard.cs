namespace Kaniko.Executor.Build;

/// <summary>
/// Trap 2: the executor's folder is never snapshotted, so a RUN step that writes there would lose data
/// silently. The guard fingerprints the folder (less the executor's own work area) around each step.
/// </summary>
public sealed class ExecutorFolderGuard(string folderHostPath, string workAreaHostPath)
{
    public string Fingerprint()
    {
        if (!Directory.Exists(folderHostPath))
        {
            return string.Empty;
        }

        var entries = new List<string>();
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(folderHostPath)]);
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                if (entry.FullName.StartsWith(workAreaHostPath, StringComparison.Ordinal))
                {
                    continue;
                }

                var size = entry is FileInfo file && entry.LinkTarget is null ? file.Length : 0;
                entries.Add($"{entry.FullName}|{size}|{entry.LastWriteTimeUtc.Ticks}|{entry.LinkTarget}");
                if (entry is DirectoryInfo directory && entry.LinkTarget is null)
                {
                    pending.Push(directory);
                }
            }
        }

        entries.Sort(StringComparer.Ordinal);
        return string.Join('\n', entries);
    }
}
