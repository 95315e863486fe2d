using Kaniko.Executor.Filesystem.Native;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// What a file created by this process gets without being asked: the effective uid and gid as owner, and the mode
/// passed to open(2) less the umask. When a layer entry asks for exactly that, the fchown and fchmod after creating
/// it change nothing and are skipped (see <see cref="EntryApplier"/> for the directory-dependent conditions).
/// </summary>
internal sealed record CreationDefaults(uint Uid, uint Gid, uint? Umask)
{
    private const uint SpecialBits = 0xE00; // setuid, setgid, sticky

    /// <summary>
    /// Reads the umask from /proc/self/status (Linux 4.7+): calling umask(2) to learn it would briefly change it for
    /// every thread of the process. Unknown umask: modes are always set explicitly.
    /// </summary>
    public static CreationDefaults ForThisProcess() => new(LibC.GetEUid(), LibC.GetEGid(), ReadUmask());

    /// <summary>True when creating with <paramref name="mode"/> already yields exactly it (parent without default ACL).</summary>
    public bool CreatesExactly(uint mode) =>
        Umask is { } umask && (mode & SpecialBits) == 0 && (mode & 0x1FF & umask) == 0;

    /// <summary>The octal value of the "Umask:" line of /proc/self/status; null when there is none.</summary>
    internal static uint? ParseUmask(string status)
    {
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("Umask:", StringComparison.Ordinal))
            {
                return ParseOctal(line.AsSpan(6).Trim());
            }
        }

        return null;
    }

    private static uint? ReadUmask()
    {
        try
        {
            return ParseUmask(File.ReadAllText("/proc/self/status"));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static uint? ParseOctal(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty || digits.Length > 4 || digits.ContainsAnyExcept("01234567"))
        {
            return null;
        }

        var value = Convert.ToUInt32(digits.ToString(), 8);
        return value > 0x1FF ? null : value;
    }
}
