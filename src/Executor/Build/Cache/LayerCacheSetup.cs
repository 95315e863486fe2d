using Kaniko.Executor.Cli;
using Kaniko.Executor.Registry;
using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Build.Cache;

/// <summary>The build's start with --cache: warnings about flags without effect, the cache settings, what the push claim declares.</summary>
public static class LayerCacheSetup
{
    /// <summary>Warns about cache flags without effect; returns the cache settings, or null without --cache.</summary>
    public static LayerCacheOptions? Prepare(ExecutorOptions options, IReadOnlyList<ImageReference> destinations, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (flag, reason) in options.CacheFlagsWithoutEffect)
        {
            Log.FlagWithoutEffect(logger, flag, reason);
        }

        var cache = LayerCacheOptions.Create(options, destinations);
        if (cache is not null)
        {
            Log.Enabled(logger, cache.Repository.RepositoryName, cache.CacheRunLayers, cache.CacheCopyLayers, cache.TtlText, cache.Push ? string.Empty : ", --no-push-cache: nothing is pushed to it");
        }

        return cache;
    }

    /// <summary>Every repository the build pushes to: the destinations, and the cache repository when layers are stored there.</summary>
    public static IReadOnlyList<ImageReference> PushRepositories(IReadOnlyList<ImageReference> destinations, LayerCacheOptions? cache)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        return cache is { Push: true } ? [.. destinations, cache.Repository] : destinations;
    }
}
