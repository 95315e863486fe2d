using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Build.Cache;

/// <summary>Layer cache messages (event ids 400-419), worded as kaniko's where kaniko has one.</summary>
internal static partial class Log
{
    [LoggerMessage(400, LogLevel.Information, "Checking for cached layer {Reference}...")]
    public static partial void Checking(ILogger logger, string reference);

    [LoggerMessage(401, LogLevel.Information, "Using caching version of cmd: {Command}")]
    public static partial void UsingCached(ILogger logger, string command);

    [LoggerMessage(402, LogLevel.Information, "No cached layer found for cmd {Command}")]
    public static partial void NotFound(ILogger logger, string command);

    [LoggerMessage(403, LogLevel.Information, "Pushing layer {Reference} to cache now")]
    public static partial void Pushing(ILogger logger, string reference);

    [LoggerMessage(404, LogLevel.Information, "Cache entry expired: {Reference} was stored {Stored}, longer ago than --cache-ttl {Ttl}")]
    public static partial void Expired(ILogger logger, string reference, string stored, string ttl);

    [LoggerMessage(405, LogLevel.Warning, "The layer cache {Repository} cannot be used ({Reason}); building without it. Check --cache-repo, and that the build may pull from and push to it")]
    public static partial void Unusable(ILogger logger, string repository, string reason);

    [LoggerMessage(406, LogLevel.Warning, "Could not push {Reference} to the layer cache ({Reason}); the build goes on, and stores no further layers")]
    public static partial void StoreFailed(ILogger logger, string reference, string reason);

    [LoggerMessage(407, LogLevel.Warning, "Ignoring the cache entry {Reference}: {Reason}")]
    public static partial void BadEntry(ILogger logger, string reference, string reason);

    [LoggerMessage(408, LogLevel.Warning, "{Flag} {Reason}")]
    public static partial void FlagWithoutEffect(ILogger logger, string flag, string reason);

    [LoggerMessage(409, LogLevel.Information, "Layer cache: {Repository} (RUN layers: {RunLayers}, COPY/ADD layers: {CopyLayers}, TTL {Ttl}{Push})")]
    public static partial void Enabled(ILogger logger, string repository, bool runLayers, bool copyLayers, string ttl, string push);
}
