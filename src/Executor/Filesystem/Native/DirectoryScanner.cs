using System.Runtime.InteropServices;

namespace Kaniko.Executor.Filesystem.Native;

/// <summary>
/// Reads a directory with readdir and lstats each entry relative to the directory's descriptor (statx on the
/// raw name): no path lookup from the root and no path marshalling per entry, as <c>find</c> does.
/// </summary>
internal static unsafe class DirectoryScanner
{
    /// <summary>Opens a directory (never through a final symlink); -1 if it vanished or is no directory.</summary>
    public static int Open(string hostPath)
    {
        var fd = LibC.Open(hostPath, LibC.ODirectory | LibC.ONoFollow | LibC.OCloexec);
        return fd >= 0 ? fd : Fail("open", hostPath);
    }

    /// <summary>Opens a child directory of an open directory; -1 if it vanished or is no directory.</summary>
    public static int OpenChild(int parentFd, string name, string hostPathForErrors)
    {
        var bytes = PathEncoding.GetBytes(name + "\0");
        fixed (byte* pointer = bytes)
        {
            var fd = LibC.OpenAt(parentFd, pointer, LibC.ODirectory | LibC.ONoFollow | LibC.OCloexec);
            return fd >= 0 ? fd : Fail("openat", hostPathForErrors);
        }
    }

    /// <summary>
    /// Calls <paramref name="onEntry"/> with each entry's name and lstat result; takes ownership of <paramref name="fd"/>.
    /// Names that are not valid UTF-8 come escaped (<see cref="PathEncoding"/>): they reach the same entry again.
    /// </summary>
    public static void Read<TState>(int fd, string hostPathForErrors, TState state, Action<TState, string, FileStatus> onEntry)
    {
        var directory = LibC.FdOpenDir(fd);
        if (directory == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            throw Posix.Error("fdopendir", hostPathForErrors, errno);
        }

        try
        {
            StatxBuffer buffer;
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var entry = LibC.ReadDir(directory);
                if (entry == 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != 0)
                    {
                        throw Posix.Error("readdir", hostPathForErrors, errno);
                    }

                    return;
                }

                var name = (byte*)entry + 19;
                var length = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).Length;
                if ((length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.'))
                {
                    continue;
                }

                if (LibC.StatxAt(fd, name, LibC.AtSymlinkNoFollow | LibC.AtStatxDontSync, LibC.StatxBasicStats, &buffer) != 0)
                {
                    continue; // vanished between readdir and statx
                }

                onEntry(state, PathEncoding.Decode(new ReadOnlySpan<byte>(name, length)), Posix.ToStatus(buffer));
            }
        }
        finally
        {
            LibC.CloseDir(directory);
        }
    }

    private static int Fail(string operation, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return errno is LibC.ENOENT or 20 /* ENOTDIR */ or 40 /* ELOOP: a symlink */ ? -1 : throw Posix.Error(operation, path, errno);
    }
}
