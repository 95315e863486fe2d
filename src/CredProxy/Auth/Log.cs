using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Auth;

/// <summary>Auth log messages (event ids 200-299). Never pass a secret.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Registry {Registry} uses {Scheme} auth")]
    public static partial void ChallengeLearned(ILogger logger, string registry, string scheme);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Ping of registry {Registry} failed: {Reason}")]
    public static partial void PingFailed(ILogger logger, string registry, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Refused token realm of registry {Registry}: {Reason}")]
    public static partial void RealmRefused(ILogger logger, string registry, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "No token for registry {Registry}: {Reason}")]
    public static partial void TokenFailed(ILogger logger, string registry, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "Retrying {Method} to {Registry} after a 401 with scopes {Scopes}")]
    public static partial void Retrying(ILogger logger, string method, string registry, string scopes);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Credential helper {Helper} gave no credentials for {Server}: {Reason}; going on anonymously")]
    public static partial void HelperFailed(ILogger logger, string helper, string server, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Credential provider {Provider} ({Source}) gave no credentials: {Reason}; going on anonymously")]
    public static partial void ProviderFailed(ILogger logger, string provider, string source, string reason);
}
