using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Routing;

/// <summary>Routing log messages (event ids 100-199). Never pass a secret.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Refused {Method} {Path}: {Reason}")]
    public static partial void Refused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Registry {Registry} refused {Method} on repository {Repository} (scope {Scope}): {Reason}; answered 403")]
    public static partial void UpstreamRefused(ILogger logger, string method, string registry, string repository, string scope, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Forwarding {Method} {Path} to {Registry} failed at {Stage}: {Reason}")]
    public static partial void ForwardFailed(ILogger logger, string method, string path, string registry, string stage, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "{Method} {Path} -> {Registry} {Status}")]
    public static partial void Forwarded(ILogger logger, string method, string path, string registry, int status);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Push session claimed; pushes allowed to {Repositories}")]
    public static partial void SessionClaimed(ILogger logger, string repositories);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Refused a second push session claim from {Remote}")]
    public static partial void SessionClaimRefused(ILogger logger, string remote);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Refused a push session claim from {Remote}: {Reason}")]
    public static partial void SessionDeclarationRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Push session claimed without declared repositories: pushes are limited by the configured push allow-lists only")]
    public static partial void SessionClaimedUndeclared(ILogger logger);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Refused {Method} {Path}: {Reason}")]
    public static partial void PushTokenRefused(ILogger logger, string method, string path, string reason);
}
