using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Tar;
using Microsoft.Win32.SafeHandles;

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
        var name = InsidePath.Clean("/" + entry.Name)
            ?? throw Hostile(entry, "its path climbs above the root with '..'");
        if (name == InsidePath.Root)
        {
            return;
        }

        var fileName = InsidePath.FileName(name);
        if (fileName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            ApplyWhiteout(name, fileName);
            return;
        }

        if (_ignore.IsIgnored(name))
        {
            return;
        }

        var parent = EnsureDirectory(InsidePath.Parent(name));
        var target = InsidePath.Combine(parent, fileName);
        if (_ignore.IsIgnored(target))
        {
            return;
        }

        var host = _root.ToHostPath(target);
        Posix.TryLStat(host, out var existing);
        var exists = existing.Mode != 0;
        switch (entry.Type)
        {
            case TarEntryType.Directory:
                if (exists && !existing.IsDirectory)
                {
                    RemoveExisting(target, existing);
                    exists = false;
                }

                if (!exists)
                {
                    Posix.Mkdir(host, 0x1C0);
                }

                SetMetadata(host, entry, isSymlink: false);
                _directoryTimes.Add((host, entry.MtimeSeconds, entry.MtimeNanoseconds));
                break;
            case TarEntryType.RegularFile:
                if (exists)
                {
                    RemoveExisting(target, existing);
                }

                WriteFile(host, reader);
                SetMetadata(host, entry, isSymlink: false);
                Posix.SetTimes(host, entry.MtimeSeconds, entry.MtimeNanoseconds);
                break;
            case TarEntryType.SymbolicLink:
                if (exists)
                {
                    RemoveExisting(target, existing);
                }

                Posix.Symlink(entry.LinkName, host);
                SetMetadata(host, entry, isSymlink: true);
                Posix.SetTimes(host, entry.MtimeSeconds, entry.MtimeNanoseconds);
                break;
            case TarEntryType.HardLink:
                if (!CreateHardLink(entry, target, host, exists ? existing : null))
                {
                    return;
                }

                break;
            default:
                if (!CreateSpecialFile(entry, target, host, exists ? existing : null))
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

    /// <summary>Resolves a parent directory inside the root, creating missing directories (0755, root-owned).</summary>
    private string EnsureDirectory(string lexical)
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
                throw new IOException($"layer {_layerName}: cannot create '{lexical}': '{current}' is an ignored path");
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

    private void WriteFile(string host, TarStreamReader reader)
    {
        using SafeFileHandle handle = File.OpenHandle(host, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        long offset = 0;
        int read;
        while ((read = reader.ReadData(_copyBuffer)) > 0)
        {
            RandomAccess.Write(handle, _copyBuffer.AsSpan(0, read), offset);
            offset += read;
        }
    }

    private bool CreateHardLink(TarEntryHeader entry, string target, string host, FileStatus? existing)
    {
        var linkName = InsidePath.Clean("/" + entry.LinkName)
            ?? throw Hostile(entry, $"its hardlink target '{entry.LinkName}' climbs above the root with '..'");
        var source = InsidePath.Combine(
            _root.ResolveInside(InsidePath.Parent(linkName), followFinalSymlink: true), InsidePath.FileName(linkName));
        if (_ignore.IsIgnored(source))
        {
            throw Hostile(entry, $"its hardlink target '{entry.LinkName}' is an ignored path");
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

        if (existing is { } status)
        {
            RemoveExisting(target, status);
        }

        Posix.Link(sourceHost, host);
        return true;
    }

    private bool CreateSpecialFile(TarEntryHeader entry, string target, string host, FileStatus? existing)
    {
        if (existing is { } status)
        {
            RemoveExisting(target, status);
        }

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
        var errno = Posix.LChown(host, entry.Uid, entry.Gid);
        if (errno != 0)
        {
            if (errno is not (LibC.EPERM or LibC.EINVAL))
            {
                throw Posix.Error("lchown", host, errno);
            }

            _warnings.Once("chown", $"ownership {entry.Uid}:{entry.Gid} of '{entry.Name}' not set ({errno})");
        }

        if (!isSymlink)
        {
            Posix.Chmod(host, entry.Mode);
        }

        if (entry.Xattrs is null)
        {
            return;
        }

        foreach (var (name, value) in entry.Xattrs)
        {
            errno = Posix.SetXattr(host, name, value);
            if (errno != 0)
            {
                if (errno is not (LibC.EPERM or LibC.EOPNOTSUPP or 13))
                {
                    throw Posix.Error($"lsetxattr {name}", host, errno);
                }

                _warnings.Once("xattr:" + name, $"extended attribute {name} of '{entry.Name}' not set ({errno})");
            }
        }
    }

    private LayerFormatException Hostile(TarEntryHeader entry, string message) => new(_layerName, entry.Name, message);
}
