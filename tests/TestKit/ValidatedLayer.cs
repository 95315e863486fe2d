namespace Kaniko.TestKit;

/// <summary>A layer whose digest, size and diff ID were checked, with its tar entries.</summary>
public sealed record ValidatedLayer(
    string Digest,
    string DiffId,
    string MediaType,
    long Size,
    IReadOnlyList<LayerEntry> Entries)
{
    /// <summary>False when the tar ends without its two zero blocks (umoci 0.4.7 layers do).</summary>
    public bool HasEndOfArchiveMarker { get; init; } = true;

    /// <summary>The entry for a path (<c>etc/passwd</c> or <c>/etc/passwd</c>), or null.</summary>
    public LayerEntry? Find(string path)
    {
        var normalized = path.TrimStart('/');
        return Entries.LastOrDefault(e => e.Path.TrimEnd('/') == normalized.TrimEnd('/'));
    }
}
