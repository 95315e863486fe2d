namespace Kaniko.Executor.Filesystem;

/// <summary>How snapshot layers are compressed.</summary>
public enum LayerCompression
{
    Gzip,
    Zstd,
    None,
}

/// <summary>How a snapshot decides that a file changed (kaniko's --snapshot-mode, plus our metadata-only default).</summary>
public enum SnapshotMode
{
    /// <summary>Metadata only: inode, size, mtime, ctime, mode, uid, gid. Any write changes ctime, so content is never read.</summary>
    Fast,

    /// <summary>kaniko's default: mode, mtime, uid, gid, security.capability and content (or symlink target).</summary>
    Full,

    /// <summary>kaniko's redo: mode, mtime, size, uid, gid.</summary>
    Redo,

    /// <summary>kaniko's time: mtime only.</summary>
    Time,
}

/// <param name="Compression">Layer compression; gzip by default (OCI media type <c>tar+gzip</c>).</param>
/// <param name="CompressionLevel">Codec level; null for the default (gzip 1, as go-containerregistry; zstd 3).</param>
/// <param name="Reproducible">Zero all mtimes in the layer, so equal content gives equal digests.</param>
/// <param name="Mode">Change detection, see <see cref="SnapshotMode"/>.</param>
public sealed record SnapshotOptions(
    LayerCompression Compression = LayerCompression.Gzip,
    int? CompressionLevel = null,
    bool Reproducible = false,
    SnapshotMode Mode = SnapshotMode.Fast);
