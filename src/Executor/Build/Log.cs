using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Build;

internal static partial class Log
{
    private const int LongestLoggedText = 400;

    /// <summary>Instructions and commands can be megabytes long; a log line shows their start.</summary>
    public static string Shorten(string text) =>
        text.Length <= LongestLoggedText ? text : string.Concat(text.AsSpan(0, LongestLoggedText), $"... ({text.Length} characters)");

    [LoggerMessage(100, LogLevel.Information, "[{Stage}] {Number}/{Count} {Instruction}")]
    public static partial void Step(ILogger logger, string stage, int number, int count, string instruction);

    [LoggerMessage(101, LogLevel.Information, "Running: {Command}")]
    public static partial void Running(ILogger logger, string command);

    [LoggerMessage(102, LogLevel.Information, "Base image for stage {Stage}: {Image}")]
    public static partial void BaseImage(ILogger logger, string stage, string image);

    [LoggerMessage(103, LogLevel.Information, "Unpacked {LayerCount} layers of {Image} in {Seconds:0.00} s ({DownloadedMb:0.0} MB downloaded on the way)")]
    public static partial void Unpacked(ILogger logger, int layerCount, string image, double seconds, double downloadedMb);

    [LoggerMessage(104, LogLevel.Information, "Skipping stage {Stage}: the target does not need it")]
    public static partial void SkippingStage(ILogger logger, string stage);

    [LoggerMessage(105, LogLevel.Information, "Pushed {Destination}@{Digest}")]
    public static partial void Pushed(ILogger logger, string destination, string digest);

    [LoggerMessage(106, LogLevel.Information, "Built image {Digest} ({LayerCount} layers); not pushed (--no-push)")]
    public static partial void NotPushed(ILogger logger, string digest, int layerCount);

    [LoggerMessage(107, LogLevel.Information, "Keeping the files of stage {Stage} for a later COPY --from")]
    public static partial void KeepingStage(ILogger logger, string stage);

    [LoggerMessage(108, LogLevel.Information, "Claimed the push capability from the credential proxy at {Proxy}")]
    public static partial void ClaimedPushToken(ILogger logger, string proxy);

    [LoggerMessage(111, LogLevel.Information, "Wrote the image to {Path} ({Kind})")]
    public static partial void WroteOutput(ILogger logger, string kind, string path);

    [LoggerMessage(112, LogLevel.Warning, "--oci-layout-path {Path} gets a Docker schema 2 manifest (--image-format docker): skopeo and umoci look only for OCI manifests in a layout; use --image-format oci or auto for a layout other tools read")]
    public static partial void DockerManifestInOciLayout(ILogger logger, string path);

    [LoggerMessage(113, LogLevel.Information, "Pulling {Image} from the mirror {Mirror}")]
    public static partial void PulledFromMirror(ILogger logger, string image, string mirror);

    [LoggerMessage(114, LogLevel.Warning, "Mirror {Mirror} could not serve {Image} ({Reason}); trying the next source")]
    public static partial void MirrorFailed(ILogger logger, string mirror, string image, string reason);

    [LoggerMessage(109, LogLevel.Information, "Deleting the container's own files before the build (--clean-root=false keeps them)")]
    public static partial void CleaningRoot(ILogger logger);
}
