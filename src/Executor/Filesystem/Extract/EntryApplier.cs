using System.Runtime.InteropServices;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Tar;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// Applies the entries of one layer to a root, in order. Every path is resolved through <see cref="RootFs"/>
/// (symlinks followed as if chrooted, final components never followed), so nothing is written outside the root;
/// ignored paths are skipped. Whiteouts and opaque markers only remove what earlier layers put there.
/// </summary>
internal sealed class EntryApplier
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    private readonly RootFs _root;
    private readonly IgnoreList _ignore;
    private readonly string _layerName;
    private readonly ExtractionWarnings _warnings;
    private readonly TreeRemover _remover;
    private readonly Dictionary<string, string> _directoryCache = new(StringComparer.Ordinal);
    private readonly HashSet<string> _writtenByThisLayer = new(StringComparer.Ordinal);
    private readonly List<(string HostPath, long Seconds, uint Nanoseconds)> _directoryTimes = [];
    private readonly byte[] _copyBuffer;

    public EntryApplier(RootFs root, IgnoreList ignore, string layerName, ExtractionWarnings warnings, byte[] copyBuffer)
    {
        _root = root;
        _ignore = ignore;
        _layerName = layerName;
        _warnings = warnings;
        _remover = new TreeRemover(root, ignore);
        _copyBuffer = copyBuffer;
    }

    public void Apply(TarEntryHeader entry, TarStreamReader reader)
    {
        if (entry.Name.Contains('\0', StringComparison.Ordinal) || entry.LinkName.Contains('\0', StringComparison.Ordinal))
        {
            throw Hostile(entry, "its name or link target contains a NUL byte");
        }

        var name = InsidePath.Clean("/" + entry.Name)
            ?? throw Hostile(entry, "its path climbs above the root with '..'");
        if (name == InsidePath.Root)
        {
            return;
        }

        var fileName = InsidePath.FileName(name);
        if (fileName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            if (fileName[WhiteoutPrefix.Length..] is "" or "." or "..")
            {
                throw Hostile(entry, "whiteout without a name to hide");
            }

            ApplyWhiteout(name, fileName);
            return;
        }

        if (_ignore.IsIgnored(name))
        {
            return;
        }

        var parent = EnsureDirectory(InsidePath.Parent(name));
        var target = parent is null ? null : InsidePath.Combine(parent, fileName);
        if (target is null || _ignore.IsIgnored(target))
        {
            _warnings.Once("ignored", $"'{entry.Name}' leads into an ignored path and was skipped");
            return;
        }

        var host = _root.ToHostPath(target);
        switch (entry.Type)
        {
            case TarEntryType.RegularFile:
                WriteFile(entry, target, host, reader);
                break;
            case TarEntryType.Directory:
                if (!Posix.TryMkdir(host, 0x1C0))
                {
                    var existing = Posix.LStat(host);
                    if (!existing.IsDirectory)
                    {
                        RemoveExisting(target, existing);
                        Posix.Mkdir(host, 0x1C0);
                    }
                }

                SetMetadata(host, entry, isSymlink: false);
                _directoryTimes.Add((host, entry.MtimeSeconds, entry.MtimeNanoseconds));
                break;
            case TarEntryType.SymbolicLink:
                RemoveIfExists(target, host);
                Posix.Symlink(entry.LinkName, host);
                SetMetadata(host, entry, isSymlink: true);
                Posix.SetTimes(host, entry.MtimeSeconds, entry.MtimeNanoseconds);
                break;
            case TarEntryType.HardLink:
                if (!CreateHardLink(entry, target, host))
                {
                    return;
                }

                break;
            default:
                if (!CreateSpecialFile(entry, target, host))
                {
                    return;
                }

                SetMetadata(host, entry, isSymlink: false);
                Posix.SetTimes(host, entry.MtimeSeconds, entry.MtimeNanoseconds);
                break;
        }

        _writtenByThisLayer.Add(target);
    }

    /// <summary>Sets directory mtimes last (writing their children changed them), deepest first.</summary>
    public void Complete()
    {
        for (var i = _directoryTimes.Count - 1; i >= 0; i--)
        {
            var (host, seconds, nanoseconds) = _directoryTimes[i];
            if (Posix.TryLStat(host, out var status) && status.IsDirectory)
            {
                Posix.SetTimes(host, seconds, nanoseconds);
            }
        }
    }

    private void ApplyWhiteout(string name, string fileName)
    {
        var parent = _root.ResolveInside(InsidePath.Parent(name), followFinalSymlink: true);
        if (fileName == OpaqueMarker)
        {
            var hostParent = _root.ToHostPath(parent);
            if (!Posix.TryLStat(hostParent, out var status) || !status.IsDirectory)
            {
                return;
            }

            foreach (var (child, _) in DirectoryListing.Read(hostParent))
            {
                var childPath = InsidePath.Combine(parent, child);
                if (!_writtenByThisLayer.Contains(childPath))
                {
                    _remover.Remove(childPath);
                }
            }

            _directoryCache.Clear();
            return;
        }

        if (fileName.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
        {
            return; // other aufs metadata (.wh..wh.plnk, ...): not part of the image
        }

        var target = InsidePath.Combine(parent, fileName[WhiteoutPrefix.Length..]);
        if (!_writtenByThisLayer.Contains(target) && _remover.Remove(target))
        {
            _directoryCache.Clear();
        }
    }

    /// <summary>
    /// Resolves a parent directory inside the root, creating missing directories (0755, root-owned); null when it
    /// resolves into an ignored path (through a symlink), which is never written.
    /// </summary>
    private string? EnsureDirectory(string lexical)
    {
        if (lexical == InsidePath.Root)
        {
            return lexical;
        }

        if (_directoryCache.TryGetValue(lexical, out var cached))
        {
            return cached;
        }

        var resolved = _root.ResolveInside(lexical, followFinalSymlink: true);
        var current = InsidePath.Root;
        foreach (var part in resolved.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = InsidePath.Combine(current, part);
            if (_ignore.IsIgnored(current))
            {
                return null;
            }

            var host = _root.ToHostPath(current);
            if (Posix.TryLStat(host, out var status))
            {
                if (status.IsDirectory)
                {
                    continue;
                }

                RemoveExisting(current, status);
            }

            Posix.Mkdir(host, 0x1ED);
            _writtenByThisLayer.Add(current);
        }

        _directoryCache[lexical] = resolved;
        return resolved;
    }

    private void RemoveExisting(string insidePath, FileStatus existing)
    {
        if (existing.IsDirectory)
        {
            _remover.Remove(insidePath);
            _directoryCache.Clear();
            if (Posix.TryLStat(_root.ToHostPath(insidePath), out _))
            {
                throw new IOException($"layer {_layerName}: cannot replace directory '{insidePath}': it holds ignored paths");
            }

            return;
        }

        Posix.Remove(_root.ToHostPath(insidePath), isDirectory: false);
        if (existing.IsSymlink)
        {
            _directoryCache.Clear();
        }
    }

    private void WriteFile(TarEntryHeader entry, string target, string host, TarStreamReader reader)
    {
        var file = NewFile.TryCreate(host);
        if (file is null)
        {
            RemoveIfExists(target, host);
            file = NewFile.TryCreate(host) ?? throw new IOException($"'{host}' reappeared while it was being replaced");
        }

        using (file)
        {
            int read;
            while ((read = reader.ReadData(_copyBuffer)) > 0)
            {
                file.Write(_copyBuffer.AsSpan(0, read));
            }

            Tolerate(file.Chown(entry.Uid, entry.Gid), "chown", host, entry);
            file.Chmod(entry.Mode);
            if (entry.Xattrs is not null)
            {
                foreach (var (name, value) in entry.Xattrs)
                {
                    Tolerate(file.SetXattr(name, value), "xattr:" + name, host, entry);
                }
            }

            file.SetTimes(entry.MtimeSeconds, entry.MtimeNanoseconds);
        }
    }

    private void RemoveIfExists(string target, string host)
    {
        if (Posix.TryLStat(host, out var existing))
        {
            RemoveExisting(target, existing);
        }
    }

    private bool CreateHardLink(TarEntryHeader entry, string target, string host)
    {
        var linkName = InsidePath.Clean("/" + entry.LinkName)
            ?? throw Hostile(entry, $"its hardlink target '{entry.LinkName}' climbs above the root with '..'");
        var source = InsidePath.Combine(
            _root.ResolveInside(InsidePath.Parent(linkName), followFinalSymlink: true), InsidePath.FileName(linkName));
        if (_ignore.IsIgnored(source))
        {
            _warnings.Once("ignored-link", $"hardlink '{entry.Name}' to ignored path '{entry.LinkName}' was skipped");
            return false;
        }

        var sourceHost = _root.ToHostPath(source);
        if (!Posix.TryLStat(sourceHost, out var sourceStatus))
        {
            throw Hostile(entry, $"its hardlink target '{entry.LinkName}' does not exist");
        }

        if (sourceStatus.IsDirectory)
        {
            throw Hostile(entry, $"its hardlink target '{entry.LinkName}' is a directory");
        }

        if (source == target)
        {
            return false;
        }

        RemoveIfExists(target, host);
        Posix.Link(sourceHost, host);
        return true;
    }

    private bool CreateSpecialFile(TarEntryHeader entry, string target, string host)
    {
        RemoveIfExists(target, host);

        var type = entry.Type switch
        {
            TarEntryType.Fifo => FileStatus.TypeFifo,
            TarEntryType.CharacterDevice => FileStatus.TypeCharDevice,
            _ => FileStatus.TypeBlockDevice,
        };
        var errno = Posix.Mknod(host, type | (entry.Mode & 0xFFF), entry.DeviceMajor, entry.DeviceMinor);
        if (errno == 0)
        {
            return true;
        }

        if (type != FileStatus.TypeFifo && errno is LibC.EPERM or 13 /* EACCES */)
        {
            _warnings.Once("mknod", $"device node '{entry.Name}' skipped: creating device nodes is not permitted here");
            return false;
        }

        throw Posix.Error("mknod", host, errno);
    }

    /// <summary>Owner, then mode (chown clears setuid/setgid), then xattrs (chown clears security.capability).</summary>
    private void SetMetadata(string host, TarEntryHeader entry, bool isSymlink)
    {
        Tolerate(Posix.LChown(host, entry.Uid, entry.Gid), "chown", host, entry);
        if (!isSymlink)
        {
            Posix.Chmod(host, entry.Mode);
        }

        if (entry.Xattrs is not null)
        {
            foreach (var (name, value) in entry.Xattrs)
            {
                Tolerate(Posix.SetXattr(host, name, value), "xattr:" + name, host, entry);
            }
        }
    }

    /// <summary>
    /// Ownership and xattrs that the environment does not permit (rootless: unmapped ids, no CAP_SETFCAP, symlink
    /// user.* attributes) are skipped with one warning per kind; other failures are errors.
    /// </summary>
    private void Tolerate(int errno, string kind, string host, TarEntryHeader entry)
    {
        if (errno == 0)
        {
            return;
        }

        if (errno is not (LibC.EPERM or LibC.EINVAL or LibC.EOPNOTSUPP or 13 /* EACCES */))
        {
            throw Posix.Error(kind, host, errno);
        }

        var what = kind == "chown" ? $"ownership {entry.Uid}:{entry.Gid}" : $"extended attribute {kind[6..]}";
        _warnings.Once(kind, $"{what} of '{entry.Name}' not set: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private LayerFormatException Hostile(TarEntryHeader entry, string message) => new(_layerName, entry.Name, message);
}
