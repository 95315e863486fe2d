using System.Runtime.InteropServices;

namespace Kaniko.Executor.Filesystem.Native;

/// <summary>
/// A regular file being created by extraction: O_CREAT|O_EXCL|O_NOFOLLOW (never writes through an existing path
/// or symlink), then descriptor-based writes and metadata, so no path is looked up again.
/// </summary>
internal sealed unsafe class NewFile : IDisposable
{
    private readonly string _path;
    private int _fd;

    private NewFile(string path, int fd)
    {
        _path = path;
        _fd = fd;
    }

    /// <summary>
    /// Creates the file with <paramref name="mode"/> (before the umask; the descriptor is writable whatever the mode);
    /// null when something already exists at the path (errno EEXIST).
    /// </summary>
    public static NewFile? TryCreate(string path, uint mode)
    {
        var fd = LibC.OpenCreate(path, LibC.OWrOnly | LibC.OCreat | LibC.OExcl | LibC.ONoFollow | LibC.OCloexec, mode & 0x1FF);
        if (fd >= 0)
        {
            return new NewFile(path, fd);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.EEXIST ? null : throw Posix.Error("open", path, errno);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var pointer = start;
            var remaining = data.Length;
            while (remaining > 0)
            {
                var written = LibC.Write(_fd, pointer, (nuint)remaining);
                if (written < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    throw Posix.Error("write", _path, errno);
                }

                pointer += written;
                remaining -= (int)written;
            }
        }
    }

    /// <summary>0 or errno (the caller decides whether a failed chown is tolerable).</summary>
    public int Chown(uint uid, uint gid) => LibC.FChown(_fd, uid, gid) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public void Chmod(uint mode)
    {
        if (LibC.FChmod(_fd, mode & 0xFFF) != 0)
        {
            throw Posix.Error("fchmod", _path, Marshal.GetLastPInvokeError());
        }
    }

    public int SetXattr(string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* pointer = value)
        {
            return LibC.FSetXattr(_fd, name, pointer, (nuint)value.Length, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    public void SetTimes(long seconds, uint nanoseconds)
    {
        var times = stackalloc TimeSpec[2];
        times[0] = new TimeSpec { Seconds = seconds, Nanoseconds = nanoseconds };
        times[1] = times[0];
        if (LibC.FUtimens(_fd, times) != 0)
        {
            throw Posix.Error("futimens", _path, Marshal.GetLastPInvokeError());
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            LibC.Close(_fd);
            _fd = -1;
        }
    }
}
