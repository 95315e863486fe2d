using Microsoft.Extensions.Logging;

namespace Kaniko.Executor.Image.Publishing;

/// <summary>Log messages of <c>executor push</c> and <c>executor index</c> (event ids 200-299).</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Information, "{Source}: {Digest} for {Platform}")]
    public static partial void IndexMember(ILogger logger, string source, string digest, string platform);

    [LoggerMessage(201, LogLevel.Information, "Pushed index {Destination}@{Digest} ({MediaType}, {Count} manifests)")]
    public static partial void IndexPushed(ILogger logger, string destination, string digest, string mediaType, int count);
}
