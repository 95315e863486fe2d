using System.Runtime.InteropServices;
using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem;

/// <summary>Lists one directory's entry names (not recursive, symlinks not followed).</summary>
internal static unsafe class DirectoryListing
{
    private const byte TypeUnknown = 0;
    private const byte TypeDirectory = 4;

    /// <summary>
    /// Names with whether each is a real directory (not a symlink to one). Names that are not valid UTF-8 come
    /// escaped (<see cref="PathEncoding"/>), so that passing them back to <see cref="Posix"/> reaches the same entry.
    /// </summary>
    public static List<(string Name, bool IsDirectory)> Read(string hostDirectory)
    {
        var fd = LibC.Open(hostDirectory, LibC.ODirectory | LibC.ONoFollow | LibC.OCloexec);
        if (fd < 0)
        {
            throw Posix.Error("open", hostDirectory, Marshal.GetLastPInvokeError());
        }

        var directory = LibC.FdOpenDir(fd);
        if (directory == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            throw Posix.Error("fdopendir", hostDirectory, errno);
        }

        var entries = new List<(string, bool)>();
        try
        {
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var entry = LibC.ReadDir(directory);
                if (entry == 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    return errno == 0 ? entries : throw Posix.Error("readdir", hostDirectory, errno);
                }

                var type = *((byte*)entry + 18);
                var nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + 19);
                if (nameBytes.SequenceEqual("."u8) || nameBytes.SequenceEqual(".."u8))
                {
                    continue;
                }

                var name = PathEncoding.Decode(nameBytes);
                var isDirectory = type == TypeDirectory ||
                    (type == TypeUnknown && Posix.TryLStat(InsidePath.Combine(hostDirectory, name), out var status) && status.IsDirectory);
                entries.Add((name, isDirectory));
            }
        }
        finally
        {
            LibC.CloseDir(directory);
        }
    }
}
