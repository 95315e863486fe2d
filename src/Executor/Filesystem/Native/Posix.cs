using System.Runtime.InteropServices;
using System.Text;

namespace Kaniko.Executor.Filesystem.Native;

/// <summary>Managed wrappers over <see cref="LibC"/>: errors become <see cref="IOException"/>s naming the path.</summary>
internal static unsafe class Posix
{
    private const int ENOTDIR = 20;

    /// <summary>lstat; false when the path (or a parent) does not exist.</summary>
    public static bool TryLStat(string path, out FileStatus status)
    {
        StatxBuffer buffer;
        if (LibC.Statx(LibC.AtFdCwd, path, LibC.AtSymlinkNoFollow | LibC.AtStatxDontSync, LibC.StatxBasicStats, &buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is LibC.ENOENT or ENOTDIR)
            {
                status = default;
                return false;
            }

            throw Error("lstat", path, errno);
        }

        status = ToStatus(buffer);
        return true;
    }

    public static FileStatus ToStatus(in StatxBuffer buffer) => new(
        buffer.Ino,
        ((ulong)buffer.DevMajor << 32) | buffer.DevMinor,
        (long)buffer.Size,
        buffer.MtimeSeconds,
        buffer.MtimeNanoseconds,
        buffer.CtimeSeconds,
        buffer.CtimeNanoseconds,
        buffer.Mode,
        buffer.Uid,
        buffer.Gid,
        buffer.Nlink,
        buffer.RdevMajor,
        buffer.RdevMinor);

    public static FileStatus LStat(string path) =>
        TryLStat(path, out var status) ? status : throw Error("lstat", path, LibC.ENOENT);

    /// <summary>Opens a file for reading without following a final symlink (names as <see cref="PathEncoding"/> escapes them).</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenRead(string path)
    {
        var fd = LibC.Open(path, LibC.ORdOnly | LibC.ONoFollow | LibC.OCloexec);
        return fd >= 0 ? new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true) : throw Error("open", path, Marshal.GetLastPInvokeError());
    }

    public static int LChown(string path, uint uid, uint gid) => Check(LibC.LChown(path, uid, gid));

    public static void Chmod(string path, uint mode) => ThrowOnError(LibC.Chmod(path, mode & 0xFFF), "chmod", path);

    public static void Mkdir(string path, uint mode) => ThrowOnError(LibC.Mkdir(path, mode & 0xFFF), "mkdir", path);

    /// <summary>mkdir; false when something already exists at the path.</summary>
    public static bool TryMkdir(string path, uint mode)
    {
        if (LibC.Mkdir(path, mode & 0xFFF) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.EEXIST ? false : throw Error("mkdir", path, errno);
    }

    public static void Link(string existingPath, string newPath) =>
        ThrowOnError(LibC.Link(existingPath, newPath), "link", newPath);

    public static void Symlink(string target, string linkPath) =>
        ThrowOnError(LibC.Symlink(target, linkPath), "symlink", linkPath);

    public static int Mknod(string path, uint mode, uint major, uint minor) =>
        Check(LibC.Mknod(path, mode, MakeDevice(major, minor)));

    /// <summary>Removes a non-directory (or an empty directory when <paramref name="isDirectory"/>); false if absent.</summary>
    public static bool Remove(string path, bool isDirectory)
    {
        var result = isDirectory ? LibC.Rmdir(path) : LibC.Unlink(path);
        if (result == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.ENOENT ? false : throw Error(isDirectory ? "rmdir" : "unlink", path, errno);
    }

    public static string ReadLink(string path)
    {
        var size = 256;
        while (true)
        {
            var buffer = new byte[size];
            nint length;
            fixed (byte* pointer = buffer)
            {
                length = LibC.ReadLink(path, pointer, (nuint)buffer.Length);
            }

            if (length < 0)
            {
                throw Error("readlink", path, Marshal.GetLastPInvokeError());
            }

            if (length < size)
            {
                return PathEncoding.Decode(buffer.AsSpan(0, (int)length));
            }

            size *= 4;
        }
    }

    /// <summary>Sets mtime (and atime to the same value) without following a final symlink.</summary>
    public static void SetTimes(string path, long seconds, uint nanoseconds)
    {
        var times = stackalloc TimeSpec[2];
        times[0] = new TimeSpec { Seconds = seconds, Nanoseconds = nanoseconds };
        times[1] = times[0];
        ThrowOnError(LibC.Utimensat(LibC.AtFdCwd, path, times, LibC.AtSymlinkNoFollow), "utimensat", path);
    }

    public static int SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* pointer = value)
        {
            return Check(LibC.LSetXattr(path, name, pointer, (nuint)value.Length, 0));
        }
    }

    /// <summary>All extended attributes of a path, not following a final symlink; null when there are none.</summary>
    public static SortedDictionary<string, byte[]>? GetXattrs(string path)
    {
        var names = ListXattrNames(path);
        if (names.Count == 0)
        {
            return null;
        }

        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var value = GetXattr(path, name);
            if (value is not null)
            {
                result[name] = value;
            }
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary>Whether <paramref name="path"/> has the attribute; true when that cannot be told (the safe answer for callers).</summary>
    public static bool HasXattr(string path, string name)
    {
        if (LibC.LGetXattr(path, name, null, 0) >= 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() is not (LibC.ENODATA or LibC.EOPNOTSUPP);
    }

    public static byte[]? GetXattr(string path, string name)
    {
        while (true)
        {
            var size = LibC.LGetXattr(path, name, null, 0);
            if (size < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is LibC.ENODATA or LibC.EOPNOTSUPP ? null : throw Error("lgetxattr", path, errno);
            }

            var buffer = new byte[size];
            fixed (byte* pointer = buffer)
            {
                var read = LibC.LGetXattr(path, name, pointer, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return read == size ? buffer : buffer[..(int)read];
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != LibC.ERANGE)
                {
                    return errno is LibC.ENODATA ? null : throw Error("lgetxattr", path, errno);
                }
            }
        }
    }

    private static List<string> ListXattrNames(string path)
    {
        var names = new List<string>();
        while (true)
        {
            var size = LibC.LListXattr(path, null, 0);
            if (size < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is LibC.EOPNOTSUPP ? names : throw Error("llistxattr", path, errno);
            }

            if (size == 0)
            {
                return names;
            }

            var buffer = new byte[size];
            nint read;
            fixed (byte* pointer = buffer)
            {
                read = LibC.LListXattr(path, pointer, (nuint)buffer.Length);
            }

            if (read < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.ERANGE)
                {
                    continue;
                }

                throw Error("llistxattr", path, errno);
            }

            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == 0)
                {
                    if (i > start)
                    {
                        names.Add(Encoding.UTF8.GetString(buffer, start, i - start));
                    }

                    start = i + 1;
                }
            }

            return names;
        }
    }

    public static IOException Error(string operation, string path, int errno) => errno == 0
        ? new($"{operation} '{PathEncoding.Display(path)}' failed without an errno: in a static NativeAOT build, libc must be bound with <DirectPInvoke Include=\"libc\" />")
        : new($"{operation} '{PathEncoding.Display(path)}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);

    private static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>0 on success, else errno (for calls whose failure the caller may tolerate).</summary>
    private static int Check(int result) => result == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static void ThrowOnError(int result, string operation, string path)
    {
        if (result != 0)
        {
            throw Error(operation, path, Marshal.GetLastPInvokeError());
        }
    }
}
