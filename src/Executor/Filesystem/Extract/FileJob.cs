using Kaniko.Executor.Filesystem.Tar;

namespace Kaniko.Executor.Filesystem.Extract;

/// <summary>
/// A regular file to create at a path the dispatcher has already checked (parent resolved inside the root, nothing
/// there), with its data as slices of decompressed chunks that the job holds a reference to until it is written.
/// </summary>
internal sealed class FileJob(TarEntryHeader entry, string target, string host, FileCreation creation)
{
    private readonly List<(DataChunk Chunk, int Offset, int Count)> _segments = [];

    public TarEntryHeader Entry { get; } = entry;

    /// <summary>The resolved path inside the root.</summary>
    public string Target { get; } = target;

    public string Host { get; } = host;

    public FileCreation Creation { get; } = creation;

    public IReadOnlyList<(DataChunk Chunk, int Offset, int Count)> Segments => _segments;

    /// <summary>Set (under the pool's lock) once the file is written or the job was abandoned.</summary>
    public volatile bool Done;

    /// <summary>Takes the rest of the current entry's data from the reader, referencing its chunks.</summary>
    public void TakeData(TarStreamReader reader)
    {
        while (reader.TryReadDataSegment(out var chunk, out var offset, out var count))
        {
            chunk.AddReference();
            _segments.Add((chunk, offset, count));
        }
    }

    public void ReleaseData()
    {
        foreach (var (chunk, _, _) in _segments)
        {
            chunk.Release();
        }

        _segments.Clear();
    }
}

/// <summary>What creating a file already gets right, so that its fchown or fchmod would change nothing.</summary>
/// <param name="OwnerIsSet">The entry's uid and gid are what the file is created with.</param>
/// <param name="ModeIsSet">The entry's mode, given to open(2), survives the umask unchanged (no special bits).</param>
internal readonly record struct FileCreation(bool OwnerIsSet, bool ModeIsSet);
