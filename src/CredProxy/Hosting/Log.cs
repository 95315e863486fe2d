using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Hosting;

/// <summary>Host log messages (event ids 500-599). Never pass a secret.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Registry {Registry} via {Endpoint} ({Source}), credentials: {HasCredentials}, pull: {Pull}, push: {Push}")]
    public static partial void Upstream(ILogger logger, string registry, string endpoint, string source, bool hasCredentials, string pull, string push);

    [LoggerMessage(EventId = 505, Level = LogLevel.Information, Message = "Registry {Registry} has no configured push allow-list: pushes go to the repositories the build declares when it claims the push token")]
    public static partial void PushToDeclared(ILogger logger, string registry);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "Registry {Registry} has no push allow-list and the push token is off: pushes to any repository are let through")]
    public static partial void NoPushAllowList(ILogger logger, string registry);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "Push token requirement is disabled: any local process may push through the proxy")]
    public static partial void PushTokenDisabled(ILogger logger);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Listening on {Url} for registry {Registry}")]
    public static partial void Listening(ILogger logger, string url, string registry);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Shutting down")]
    public static partial void ShuttingDown(ILogger logger);
}
