namespace Kaniko.Executor.Build.Cache;

/// <summary>A cache hit: the step's layer, downloaded and verified, or null when the step changed no file.</summary>
public sealed record CachedLayer(ImageLayer? Layer);
