using System.Runtime.InteropServices;

namespace Kaniko.Executor.Build.Run;

/// <summary>The few Linux calls .NET does not expose: namespaces, mounts, chroot, identity, exec.</summary>
internal static partial class Native
{
    public const int CloneNewNs = 0x00020000;
    public const ulong MsBind = 4096;
    public const ulong MsRec = 16384;
    public const ulong MsPrivate = 1 << 18;
    public const int PrSetDumpable = 4;
    public const int PrSetChildSubreaper = 36;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fileSystemType, ulong flags, IntPtr data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chroot(string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chdir(string path);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setgroups(nuint size, uint[] groups);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setuid(uint uid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn(out int pid, string path, IntPtr fileActions, IntPtr attributes, string?[] argv, string?[] envp);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
