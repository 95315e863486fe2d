namespace Kaniko.Executor.Image;

/// <summary>
/// A finished layer blob on local disk: its compressed form at <paramref name="Path"/>, described by
/// <paramref name="Descriptor"/> (digest and size of the compressed bytes), with the digest of the
/// uncompressed tar as <paramref name="DiffId"/>.
/// </summary>
public sealed record LayerFile(string Path, Descriptor Descriptor, Digest DiffId);
