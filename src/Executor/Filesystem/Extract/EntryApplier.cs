using System.Runtime.InteropServices;
using Kaniko.Executor.Filesystem.Native;
using Kaniko.Executor.Filesystem.Tar;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// Applies the entries of one layer to a root, in order. Every path is resolved through <see cref="RootFs"/>
/// (symlinks followed as if chrooted, final components never followed), so nothing is written outside the root;
/// ignored paths are skipped. Whiteouts and opaque markers only remove what earlier layers put there.
/// Regular files are handed to a <see cref="FileWriterPool"/> once their path is checked; everything that could
/// observe or change such a file waits for it first, so the result is that of applying the entries one by one.
/// </summary>
internal sealed class EntryApplier : IDisposable
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    private const int MaxQueuedFiles = 4096;

    private readonly RootFs _root;
    private readonly IgnoreList _ignore;
    private readonly string _layerName;
    private readonly ExtractionWarnings _warnings;
    private readonly TreeRemover _remover;
    private readonly FileWriterPool _writers;
    private readonly Dictionary<string, string> _directoryCache = new(StringComparer.Ordinal);
    private readonly HashSet<string> _writtenByThisLayer = new(StringComparer.Ordinal);

    /// <summary>Directories this layer created (mkdir succeeded): nothing is in them but what this layer wrote.</summary>
    private readonly HashSet<string> _createdDirectories = new(StringComparer.Ordinal);

    private readonly List<(string HostPath, long Seconds, uint Nanoseconds)> _directoryTimes = [];

    private readonly CreationDefaults _creationDefaults;

    /// <summary>
    /// Resolved directories holding files created with <see cref="CreationDefaults"/>, and what such files get
    /// there: our gid (unless the directory's group is another one, through its setgid bit or the grpid mount
    /// option), the mode asked less the umask (unless a default ACL replaces the umask; new subdirectories also
    /// inherit a setgid bit).
    /// </summary>
    private readonly Dictionary<string, (bool GroupIsOurs, bool NoDefaultAcl, bool Setgid)> _creationInDirectory = new(StringComparer.Ordinal);

    /// <summary>Larger files are written by the dispatching thread as their data arrives, not queued whole.</summary>
    private readonly long _queuedFileMaxSize;

    /// <param name="queuedFileMaxSize">
    /// Largest file queued with all its data: it must fit several times into the decompressed data in flight, or
    /// queueing it would wait for chunks that only its own writing frees.
    /// </param>
    /// <param name="creationDefaults">What new files get anyway: the fchown or fchmod that would set just that is skipped.</param>
    public EntryApplier(
        RootFs root, IgnoreList ignore, string layerName, ExtractionWarnings warnings, int writerThreads, long queuedFileMaxSize, CreationDefaults creationDefaults)
    {
        _creationDefaults = creationDefaults;
        _queuedFileMaxSize = queuedFileMaxSize;
        _root = root;
        _ignore = ignore;
        _layerName = layerName;
        _warnings = warnings;
        _remover = new TreeRemover(root, ignore);
        _writers = new FileWriterPool(writerThreads, MaxQueuedFiles, WriteQueuedFile);
    }

    /// <summary>Stops the writer threads; files not yet written are dropped (the extraction failed).</summary>
    public void Dispose() => _writers.Dispose();

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
            _warnings.Once("ignored", $"'{PathEncoding.Display(entry.Name)}' leads into an ignored path and was skipped");
            return;
        }

        var host = _root.ToHostPath(target);
        switch (entry.Type)
        {
            case TarEntryType.RegularFile:
                WriteFile(entry, target, host, reader);
                break;
            case TarEntryType.Directory:
                _writers.WaitForPath(target);
                if (_creationInDirectory.Remove(target))
                {
                    // Files queued below it were planned with its current owner and ACLs, which this may change.
                    _writers.WaitForAll();
                }

                // Private (0700) until its mode is set, unless creating it with its mode is all there is to do.
                var creation = PlanCreation(entry, InsidePath.Parent(target), isDirectory: true);
                var createMode = creation.ModeIsSet ? entry.Mode & 0x1FF : 0x1C0;
                var created = Posix.TryMkdir(host, createMode);
                if (!created)
                {
                    var existing = Posix.LStat(host);
                    if (!existing.IsDirectory)
                    {
                        RemoveExisting(target, existing);
                        Posix.Mkdir(host, createMode);
                        created = true;
                    }
                }

                if (created)
                {
                    _createdDirectories.Add(target);
                }

                SetMetadata(host, entry, isSymlink: false, created ? creation : default);
                _directoryTimes.Add((host, entry.MtimeSeconds, entry.MtimeNanoseconds));
                break;
            case TarEntryType.SymbolicLink:
                _writers.WaitForPath(target);
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
        _writers.WaitForAll();
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
            _writers.WaitForAll();
            _createdDirectories.Clear();
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

            ForgetDirectories();
            return;
        }

        if (fileName.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
        {
            return; // other aufs metadata (.wh..wh.plnk, ...): not part of the image
        }

        var target = InsidePath.Combine(parent, fileName[WhiteoutPrefix.Length..]);
        if (_writtenByThisLayer.Contains(target) || !Posix.TryLStat(_root.ToHostPath(target), out _))
        {
            return;
        }

        // Files of this layer may be being written below it (into a directory of an earlier layer).
        _writers.WaitForAll();
        _createdDirectories.Clear();
        if (_remover.Remove(target))
        {
            ForgetDirectories();
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
        _writers.WaitForPath(resolved);
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
            _creationInDirectory.Remove(current);
            _writtenByThisLayer.Add(current);
            _createdDirectories.Add(current);
        }

        _directoryCache[lexical] = resolved;
        return resolved;
    }

    private void RemoveExisting(string insidePath, FileStatus existing)
    {
        if (existing.IsDirectory)
        {
            _writers.WaitForAll();
            _createdDirectories.Clear();
            _remover.Remove(insidePath);
            ForgetDirectories();
            if (Posix.TryLStat(_root.ToHostPath(insidePath), out _))
            {
                throw new IOException($"layer {_layerName}: cannot replace directory '{insidePath}': it holds ignored paths");
            }

            return;
        }

        Posix.Remove(_root.ToHostPath(insidePath), isDirectory: false);
        if (existing.IsSymlink)
        {
            ForgetDirectories();
        }
    }

    /// <summary>After removals: cached resolutions and directory facts may name what is gone.</summary>
    private void ForgetDirectories()
    {
        _directoryCache.Clear();
        _creationInDirectory.Clear();
    }

    private void WriteFile(TarEntryHeader entry, string target, string host, TarStreamReader reader)
    {
        _writers.WaitForPath(target);

        // In a directory this layer created, only what this layer wrote can be in the way: no lookup needed.
        if (!_createdDirectories.Contains(InsidePath.Parent(target)) || _writtenByThisLayer.Contains(target))
        {
            RemoveIfExists(target, host);
        }

        var creation = PlanCreation(entry, InsidePath.Parent(target), isDirectory: false);
        if (entry.Size <= _queuedFileMaxSize)
        {
            var job = new FileJob(entry, target, host, creation);
            try
            {
                job.TakeData(reader);
            }
            catch
            {
                job.ReleaseData();
                throw;
            }

            _writers.Enqueue(job);
            return;
        }

        using var file = CreateFile(host, entry, creation);
        while (reader.TryReadDataSegment(out var chunk, out var offset, out var count))
        {
            file.Write(chunk.Buffer.AsSpan(offset, count));
        }

        FinishFile(file, entry, host, creation);
    }

    /// <summary>Which of owner and mode a new file or subdirectory of <paramref name="directory"/> gets right by being created.</summary>
    private FileCreation PlanCreation(TarEntryHeader entry, string directory, bool isDirectory)
    {
        var ownerByCreation = entry.Uid == _creationDefaults.Uid && entry.Gid == _creationDefaults.Gid;
        var modeByCreation = _creationDefaults.CreatesExactly(entry.Mode & 0xFFF);
        if (!ownerByCreation && !modeByCreation)
        {
            return default;
        }

        if (!_creationInDirectory.TryGetValue(directory, out var facts))
        {
            var host = _root.ToHostPath(directory);
            if (!Posix.TryLStat(host, out var status) || !status.IsDirectory)
            {
                return default;
            }

            facts = (status.Gid == _creationDefaults.Gid, !Posix.HasXattr(host, "system.posix_acl_default"), (status.Permissions & 0x400) != 0);
            _creationInDirectory[directory] = facts;
        }

        return new FileCreation(ownerByCreation && facts.GroupIsOurs, modeByCreation && facts.NoDefaultAcl && !(isDirectory && facts.Setgid));
    }

    /// <summary>Runs on a writer thread: failures name the layer and the entry.</summary>
    private void WriteQueuedFile(FileJob job)
    {
        try
        {
            using var file = CreateFile(job.Host, job.Entry, job.Creation);
            foreach (var (chunk, offset, count) in job.Segments)
            {
                file.Write(chunk.Buffer.AsSpan(offset, count));
            }

            FinishFile(file, job.Entry, job.Host, job.Creation);
        }
        catch (IOException exception)
        {
            throw new EntryWriteException(_layerName, job.Entry.Name, exception);
        }
    }

    /// <summary>Private (0600) until its mode is set, unless creating it with its mode is all there is to do.</summary>
    private static NewFile CreateFile(string host, TarEntryHeader entry, FileCreation creation) =>
        NewFile.TryCreate(host, creation.ModeIsSet ? entry.Mode & 0x1FF : 0x180) ?? throw new IOException($"'{host}' appeared while it was being written: is another process writing into the root?");

    /// <summary>Owner, then mode (chown clears setuid/setgid), then xattrs (chown clears security.capability), then times.</summary>
    private void FinishFile(NewFile file, TarEntryHeader entry, string host, FileCreation creation)
    {
        if (!creation.OwnerIsSet)
        {
            Tolerate(file.Chown(entry.Uid, entry.Gid), "chown", host, entry);
        }

        if (!creation.ModeIsSet)
        {
            file.Chmod(entry.Mode);
        }

        if (entry.Xattrs is not null)
        {
            foreach (var (name, value) in entry.Xattrs)
            {
                Tolerate(file.SetXattr(name, value), "xattr:" + name, host, entry);
            }
        }

        file.SetTimes(entry.MtimeSeconds, entry.MtimeNanoseconds);
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
            ?? throw Hostile(entry, $"its hardlink target '{PathEncoding.Display(entry.LinkName)}' climbs above the root with '..'");
        var source = InsidePath.Combine(
            _root.ResolveInside(InsidePath.Parent(linkName), followFinalSymlink: true), InsidePath.FileName(linkName));
        if (_ignore.IsIgnored(source))
        {
            _warnings.Once("ignored-link", $"hardlink '{PathEncoding.Display(entry.Name)}' to ignored path '{PathEncoding.Display(entry.LinkName)}' was skipped");
            return false;
        }

        _writers.WaitForPath(source);
        _writers.WaitForPath(target);
        var sourceHost = _root.ToHostPath(source);
        if (!Posix.TryLStat(sourceHost, out var sourceStatus))
        {
            throw Hostile(entry, $"its hardlink target '{PathEncoding.Display(entry.LinkName)}' does not exist");
        }

        if (sourceStatus.IsDirectory)
        {
            throw Hostile(entry, $"its hardlink target '{PathEncoding.Display(entry.LinkName)}' is a directory");
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
        _writers.WaitForPath(target);
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
            _warnings.Once("mknod", $"device node '{PathEncoding.Display(entry.Name)}' skipped: creating device nodes is not permitted here");
            return false;
        }

        throw Posix.Error("mknod", host, errno);
    }

    /// <summary>Owner, then mode (chown clears setuid/setgid), then xattrs (chown clears security.capability).</summary>
    private void SetMetadata(string host, TarEntryHeader entry, bool isSymlink, FileCreation creation = default)
    {
        if (!creation.OwnerIsSet)
        {
            Tolerate(Posix.LChown(host, entry.Uid, entry.Gid), "chown", host, entry);
        }

        if (!isSymlink && !creation.ModeIsSet)
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
        _warnings.Once(kind, $"{what} of '{PathEncoding.Display(entry.Name)}' not set: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private LayerFormatException Hostile(TarEntryHeader entry, string message) => new(_layerName, entry.Name, message);
}
