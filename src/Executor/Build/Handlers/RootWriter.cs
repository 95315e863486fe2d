using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Filesystem.Native;

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
            LibC.LChown(hostPath, owner.Uid, owner.Gid);
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
            LibC.LChown(target, owner.Uid, owner.Gid);
            return;
        }

        if (!Posix.TryLStat(sourceHostPath, out var status))
        {
            throw new IOException($"{sourceHostPath} vanished while it was being copied");
        }

        if (status.Type is FileStatus.TypeFifo or FileStatus.TypeSocket or FileStatus.TypeCharDevice or FileStatus.TypeBlockDevice)
        {
            // Opening a fifo would wait for a writer forever; a socket has no content. Both are recreated as the
            // node they are (as BuildKit copies them); device files are refused rather than copied.
            if (status.Type is FileStatus.TypeCharDevice or FileStatus.TypeBlockDevice)
            {
                throw new IOException($"{targetInsideRoot}: the source is a device file, which COPY does not copy");
            }

            DeleteExisting(target);
            if (LibC.Mknod(target, status.Type | (uint)(mode ?? (UnixFileMode)status.Permissions), 0) != 0)
            {
                throw new IOException($"cannot create the special file {targetInsideRoot}: {System.Runtime.InteropServices.Marshal.GetLastPInvokeErrorMessage()}");
            }

            LibC.LChown(target, owner.Uid, owner.Gid);
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
            LibC.LChown(target, owner.Uid, owner.Gid);
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
        LibC.LChown(target, owner.Uid, owner.Gid);
        File.SetLastWriteTimeUtc(target, info.LastWriteTimeUtc);
    }

    /// <summary>Writes text content (a COPY heredoc) to a file in the root.</summary>
    public void WriteFile(string targetInsideRoot, string content, UserIdentity owner, UnixFileMode mode)
    {
        var target = rootFs.Resolve(targetInsideRoot, followFinalSymlink: false);
        DeleteExisting(target);
        File.WriteAllText(target, content);
        File.SetUnixFileMode(target, mode);
        LibC.LChown(target, owner.Uid, owner.Gid);
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
