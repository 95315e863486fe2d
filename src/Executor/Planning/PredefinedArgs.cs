namespace Kaniko.Executor.Planning;

/// <summary>
/// ARGs the builder provides. Platform args (TARGETPLATFORM, BUILDARCH, ...) are set in the global
/// scope and take their automatic value when a stage declares them without a default. Proxy args
/// (HTTP_PROXY, ...) may be passed with --build-arg and reach RUN without a declaration, and are
/// kept out of image history.
/// </summary>
public static class PredefinedArgs
{
    public static readonly IReadOnlyList<string> PlatformArgNames =
    [
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    ];

    public static readonly IReadOnlyList<string> ProxyArgNames =
    [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    ];

    private static readonly HashSet<string> _platformArgs = new(PlatformArgNames, StringComparer.Ordinal);
    private static readonly HashSet<string> _proxyArgs = new(ProxyArgNames, StringComparer.Ordinal);

    public static bool IsPlatformArg(string name) => _platformArgs.Contains(name);

    public static bool IsProxyArg(string name) => _proxyArgs.Contains(name);

    public static bool IsPredefined(string name) => IsPlatformArg(name) || IsProxyArg(name);

    /// <summary>The automatic values of the platform args.</summary>
    public static IReadOnlyDictionary<string, string> PlatformValues(BuildPlatforms platforms)
    {
        var target = platforms.Target;
        var build = platforms.Build;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TARGETPLATFORM"] = target.ToString(),
            ["TARGETOS"] = target.Os,
            ["TARGETARCH"] = target.Architecture,
            ["TARGETVARIANT"] = target.VariantText,
            ["BUILDPLATFORM"] = build.ToString(),
            ["BUILDOS"] = build.Os,
            ["BUILDARCH"] = build.Architecture,
            ["BUILDVARIANT"] = build.VariantText,
        };
    }

    /// <summary>
    /// The value a predefined ARG has without a default in the Dockerfile: the --build-arg if given,
    /// else the platform value; null when it has none (e.g. a proxy arg not passed).
    /// </summary>
    public static string? DefaultValue(string name, IReadOnlyDictionary<string, string> buildArgs, BuildPlatforms platforms)
    {
        if (!IsPredefined(name))
        {
            return null;
        }

        if (buildArgs.TryGetValue(name, out var given))
        {
            return given;
        }

        return IsPlatformArg(name) ? PlatformValues(platforms)[name] : null;
    }

    /// <summary>The proxy args passed as build args: available to RUN without declaration, not recorded in history.</summary>
    public static IReadOnlyDictionary<string, string> ProxyValues(IReadOnlyDictionary<string, string> buildArgs) =>
        buildArgs.Where(pair => IsProxyArg(pair.Key)).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
}
