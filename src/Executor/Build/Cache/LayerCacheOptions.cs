using Kaniko.Executor.Cli;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Build.Cache;

/// <summary>What --cache and its companion flags ask of the layer cache, checked once.</summary>
/// <param name="Repository">Where cache entries live (--cache-repo, else the first destination's repository + <c>/cache</c>).</param>
/// <param name="Ttl">Entries older than this are misses (--cache-ttl).</param>
/// <param name="CacheRunLayers">Look up and store RUN steps (--cache-run-layers).</param>
/// <param name="CacheCopyLayers">Look up and store COPY and ADD steps (--cache-copy-layers).</param>
/// <param name="Push">Store the layers of steps that missed (false with --no-push-cache).</param>
/// <param name="LayerFormat">How this build writes layers (compression, level, reproducible): part of every key, since it changes the layer bytes.</param>
public sealed record LayerCacheOptions(
    ImageReference Repository,
    TimeSpan Ttl,
    bool CacheRunLayers,
    bool CacheCopyLayers,
    bool Push,
    string LayerFormat)
{
    /// <summary>kaniko's default: two weeks.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromDays(14);

    /// <summary>The TTL as --cache-ttl takes it (Go's duration form: 336h, 90m, 45s).</summary>
    public string TtlText =>
        Ttl.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)Ttl.TotalHours}h"
        : Ttl.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)Ttl.TotalMinutes}m"
        : $"{Ttl.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s";

    /// <summary>The cache settings of a build, or null when --cache is off (or has nothing to do).</summary>
    /// <exception cref="UsageException">The cache repository is missing or malformed.</exception>
    public static LayerCacheOptions? Create(ExecutorOptions options, IReadOnlyList<ImageReference> destinations)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(destinations);
        if (!options.Cache || options.SingleSnapshot)
        {
            return null;
        }

        var format = $"{options.Compression}/level={options.CompressionLevel?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}/reproducible={options.Reproducible}";
        return new LayerCacheOptions(
            CacheRepository(options.CacheRepo, destinations),
            options.CacheTtl,
            options.CacheRunLayers,
            options.CacheCopyLayers,
            !options.NoPushCache,
            format);
    }

    private static ImageReference CacheRepository(string? cacheRepo, IReadOnlyList<ImageReference> destinations)
    {
        if (string.IsNullOrEmpty(cacheRepo))
        {
            // kaniko's rule: the first destination's repository, plus /cache.
            return destinations.Count > 0
                ? destinations[0].WithoutVersion() with { Repository = destinations[0].Repository + "/cache" }
                : throw new UsageException("--cache needs a repository for the cache: pass --cache-repo REGISTRY/REPOSITORY, or a --destination to derive it from (DESTINATION/cache)");
        }

        var text = cacheRepo.TrimEnd('/');
        if (text.Contains('@', StringComparison.Ordinal) || text[(text.LastIndexOf('/') + 1)..].Contains(':', StringComparison.Ordinal))
        {
            throw new UsageException($"--cache-repo '{cacheRepo}': name a repository without a tag or digest; each cached layer is tagged with its key");
        }

        return ImageReference.TryParse(text, out var reference)
            ? reference.WithoutVersion()
            : throw new UsageException($"--cache-repo '{cacheRepo}' is not a repository name (e.g. registry.example.com/group/app/cache)");
    }
}
