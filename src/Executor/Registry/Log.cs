using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Registry;

/// <summary>Registry log messages with stable event ids (3100-3199). Never log a secret or a full upload URL.</summary>
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Debug, "{Method} {Registry}/{Repository} {What}: HTTP {Status}")]
    public static partial void Response(ILogger logger, string method, string registry, string repository, string what, int status);

    [LoggerMessage(3101, LogLevel.Warning, "{Operation} failed ({Reason}); retry {Attempt} of {Retries} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string operation, string reason, int attempt, int retries, long delayMs);

    [LoggerMessage(3102, LogLevel.Debug, "Authenticating to {Registry} with a {Scheme} challenge (scope {Scope})")]
    public static partial void Challenge(ILogger logger, string registry, string scheme, string scope);

    [LoggerMessage(3103, LogLevel.Information, "Blob {Digest} already in {Repository}, skipping upload")]
    public static partial void BlobExists(ILogger logger, string digest, string repository);

    [LoggerMessage(3104, LogLevel.Information, "Mounted blob {Digest} into {Repository} from {From}")]
    public static partial void BlobMounted(ILogger logger, string digest, string repository, string from);

    [LoggerMessage(3105, LogLevel.Information, "Uploaded blob {Digest} ({Size} bytes) to {Repository}")]
    public static partial void BlobUploaded(ILogger logger, string digest, long size, string repository);

    [LoggerMessage(3106, LogLevel.Information, "Pushed manifest {Digest} as {Reference}")]
    public static partial void ManifestPushed(ILogger logger, string digest, string reference);

    [LoggerMessage(3107, LogLevel.Warning, "Download of blob {Digest} from {Repository} broke after {Offset} bytes ({Reason}); resuming")]
    public static partial void Resuming(ILogger logger, string digest, string repository, long offset, string reason);

    [LoggerMessage(3108, LogLevel.Warning, "{Reference} is for {Actual}, not the requested platform {Requested}")]
    public static partial void PlatformMismatch(ILogger logger, string reference, string actual, string requested);

    [LoggerMessage(3109, LogLevel.Warning, "Tag {Reference} is immutable in the registry and was not overwritten (ignored as asked): {Reason}")]
    public static partial void ImmutableTagIgnored(ILogger logger, string reference, string reason);

    [LoggerMessage(3110, LogLevel.Information, "Resolved {Reference} for {Platform} to {Digest}")]
    public static partial void Resolved(ILogger logger, string reference, string platform, string digest);

    [LoggerMessage(3111, LogLevel.Information, "{Registry} refused a single-request upload (HTTP {Status}); uploading with PATCH then PUT")]
    public static partial void PatchUpload(ILogger logger, string registry, int status);
}
