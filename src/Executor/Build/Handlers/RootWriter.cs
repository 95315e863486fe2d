using Kaniko.Executor.Build.Run;
using Kaniko.Executor.Filesystem;

namespace Kaniko.Executor.Build.Handlers;

/// <summary>Creates directories and files in the build root, every path resolved through <see cref="RootFs"/>.</summary>
internal sealed class RootWriter(RootFs rootFs)
{
    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>mkdir -p inside the root; returns the first directory it had to create (for the snapshot), or null.</summary>
    public string? CreateDirectories(string pathInsideRoot, UserIdentity owner)
    {
        string? firstCreated = null;
        var current = "/";
        foreach (var part in pathInsideRoot.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current == "/" ? "/" + part : current + "/" + part;
            var hostPath = rootFs.Resolve(current, followFinalSymlink: true);
            if (Directory.Exists(hostPath))
            {
                continue;
            }

            if (File.Exists(hostPath))
            {
                throw new IOException($"{current} exists in the image and is not a directory");
            }

            Directory.CreateDirectory(hostPath, DirectoryMode);
            File.SetUnixFileMode(hostPath, DirectoryMode);
            Native.lchown(hostPath, owner.Uid, owner.Gid);
            firstCreated ??= current;
        }

        return firstCreated;
    }

    /// <summary>Copies one file, directory entry or symlink from <paramref name="sourceHostPath"/> to a path in the root.</summary>
    public void CopyEntry(string sourceHostPath, string targetInsideRoot, UserIdentity owner, UnixFileMode? mode)
    {
        var target = rootFs.Resolve(targetInsideRoot, followFinalSymlink: false);
        var info = new FileInfo(sourceHostPath);
        if (info.LinkTarget is { } linkTarget)
        {
            DeleteExisting(target);
            File.CreateSymbolicLink(target, linkTarget);
            Native.lchown(target, owner.Uid, owner.Gid);
            return;
        }

        if (Directory.Exists(sourceHostPath))
        {
            if (!Directory.Exists(target))
            {
                DeleteExisting(target);
                Directory.CreateDirectory(target);
            }

            File.SetUnixFileMode(target, mode ?? File.GetUnixFileMode(sourceHostPath));
            Native.lchown(target, owner.Uid, owner.Gid);
            Directory.SetLastWriteTimeUtc(target, Directory.GetLastWriteTimeUtc(sourceHostPath));
            return;
        }

        if (Directory.Exists(target))
        {
            throw new IOException($"cannot copy a file onto the directory {targetInsideRoot}");
        }

        DeleteExisting(target);
        File.Copy(sourceHostPath, target, overwrite: false);
        File.SetUnixFileMode(target, mode ?? File.GetUnixFileMode(sourceHostPath));
        Native.lchown(target, owner.Uid, owner.Gid);
        File.SetLastWriteTimeUtc(target, info.LastWriteTimeUtc);
    }

    /// <summary>Writes text content (a COPY heredoc) to a file in the root.</summary>
    public void WriteFile(string targetInsideRoot, string content, UserIdentity owner, UnixFileMode mode)
    {
        var target = rootFs.Resolve(targetInsideRoot, followFinalSymlink: false);
        DeleteExisting(target);
        File.WriteAllText(target, content);
        File.SetUnixFileMode(target, mode);
        Native.lchown(target, owner.Uid, owner.Gid);
    }

    private static void DeleteExisting(string hostPath)
    {
        var info = new FileInfo(hostPath);
        if (info.Exists || info.LinkTarget is not null)
        {
            info.Delete();
        }
    }
}
