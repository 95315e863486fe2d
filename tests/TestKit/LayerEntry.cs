using System.Formats.Tar;

namespace Kaniko.TestKit;

/// <summary>One tar entry of a layer, as stored (path without a leading <c>./</c> or <c>/</c>).</summary>
public sealed record LayerEntry(
    string Path,
    TarEntryType Type,
    UnixFileMode Mode,
    int Uid,
    int Gid,
    long Length,
    string? LinkTarget,
    DateTimeOffset ModificationTime);
