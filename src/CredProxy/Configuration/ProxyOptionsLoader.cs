using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Configuration;

/// <summary>
/// Builds <see cref="ProxyOptions"/> from the config file (section <c>CredProxy</c>), the environment
/// (GitLab's <c>CI_REGISTRY*</c>, <c>CREDPROXY_*</c>) and command-line overrides, reporting every error.
/// </summary>
public static class ProxyOptionsLoader
{
    public const string Section = "CredProxy";

    public static ProxyOptions Load(
        IConfiguration configuration,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string> overrides,
        Func<string, string?> readFile)
    {
        var errors = new List<string>();
        var section = configuration.GetSection(Section);
        string? Setting(string key, string env) =>
            overrides.GetValueOrDefault(key) ?? environment.GetValueOrDefault(env) ?? section[key];
        string Name(string key, string env) =>
            overrides.ContainsKey(key) ? FlagName(key) : environment.ContainsKey(env) ? env : $"{Section}:{key}";

        var drafts = new List<UpstreamDraft>();
        drafts.AddRange(ReadConfigUpstreams(section));
        drafts.AddRange(EnvironmentUpstreams.Read(environment, errors));
        drafts.AddRange(GitHubUpstreams.Read(environment));
        if (Setting("DockerConfig", "CREDPROXY_DOCKER_CONFIG") is { Length: > 0 } dockerConfig)
        {
            drafts.AddRange(DockerConfigUpstreams.Read(dockerConfig, Name("DockerConfig", "CREDPROXY_DOCKER_CONFIG"), readFile, errors));
        }

        // CREDPROXY_INSECURE_REGISTRIES covers every source (GitLab, CREDPROXY_REGISTRY_<N>, the config file, a
        // docker config): a registry's own Insecure setting wins.
        var insecureHosts = SettingValues.SplitList(environment.GetValueOrDefault(EnvironmentUpstreams.InsecureRegistries))
            .Select(KnownRegistries.NormalizeHost)
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < drafts.Count; i++)
        {
            if (drafts[i] is { Insecure: null, Host: { } host } && insecureHosts.Contains(KnownRegistries.NormalizeHost(host)))
            {
                drafts[i] = drafts[i] with { Insecure = "true" };
            }
        }

        var findHelper = HelperFinder(environment.GetValueOrDefault("PATH"));
        var upstreams = new List<UpstreamOptions>();
        foreach (var draft in drafts.OrderBy(d => d.IsFallback))
        {
            var upstream = draft.Validate(errors, readFile, findHelper);
            if (upstream is null)
            {
                continue;
            }

            var index = upstreams.FindIndex(u => KnownRegistries.SameRegistry(u.Host, upstream.Host));
            if (index < 0)
            {
                upstreams.Add(upstream);
            }
            else if (!draft.IsFallback)
            {
                errors.Add($"{draft.SettingName("Host")}: registry '{upstream.Host}' is configured twice");
            }
            else if (!upstreams[index].HasCredentials)
            {
                upstreams[index] = upstreams[index] with
                {
                    Credential = upstream.Credential,
                    CredentialHelper = upstream.CredentialHelper,
                    CredentialHelperServer = upstream.CredentialHelperServer,
                    GoogleCredentialsFile = upstream.GoogleCredentialsFile,
                    GoogleMetadata = upstream.GoogleMetadata,
                    Azure = upstream.Azure,
                    Aws = upstream.Aws,
                };
            }
        }

        var listen = Setting("Listen", "CREDPROXY_LISTEN") ?? "127.0.0.1:5080";
        var allowNonLoopback = ReadBool(Setting("AllowNonLoopback", "CREDPROXY_ALLOW_NON_LOOPBACK"), Name("AllowNonLoopback", "CREDPROXY_ALLOW_NON_LOOPBACK"), false, errors);
        CheckListen(listen, Name("Listen", "CREDPROXY_LISTEN"), allowNonLoopback, errors);
        foreach (var upstream in upstreams.Where(u => u.Listen is not null))
        {
            CheckListen(upstream.Listen!, $"{upstream.Source} Listen", allowNonLoopback, errors);
        }

        var metricsListen = Setting("MetricsListen", "CREDPROXY_METRICS_LISTEN");
        if (string.IsNullOrWhiteSpace(metricsListen))
        {
            metricsListen = null;
        }
        else if (!ListenAddress.TryParse(metricsListen, out _))
        {
            errors.Add($"{Name("MetricsListen", "CREDPROXY_METRICS_LISTEN")}: '{metricsListen}' is not ip:port (e.g. 0.0.0.0:9090)");
        }

        var requireToken = ReadBool(Setting("RequirePushToken", "CREDPROXY_REQUIRE_PUSH_TOKEN"), Name("RequirePushToken", "CREDPROXY_REQUIRE_PUSH_TOKEN"), true, errors);
        var defaultUpstream = Setting("DefaultUpstream", "CREDPROXY_DEFAULT_REGISTRY") is { } configuredDefault
            ? KnownRegistries.NormalizeHost(configuredDefault)
            : null;
        if (string.IsNullOrEmpty(defaultUpstream))
        {
            defaultUpstream = upstreams.FirstOrDefault(u => u.Source == EnvironmentUpstreams.GitLabSource)?.Host
                ?? (upstreams.Count == 1 ? upstreams[0].Host : null);
        }
        else if (!upstreams.Any(u => KnownRegistries.SameRegistry(u.Host, defaultUpstream)))
        {
            errors.Add($"{Name("DefaultUpstream", "CREDPROXY_DEFAULT_REGISTRY")}: '{defaultUpstream}' is not a configured registry");
        }

        var logFormat = (Setting("LogFormat", "CREDPROXY_LOG_FORMAT") ?? "text").Trim().ToLowerInvariant();
        if (logFormat is not ("text" or "json"))
        {
            errors.Add($"{Name("LogFormat", "CREDPROXY_LOG_FORMAT")}: '{logFormat}' is not text or json");
        }

        var shutdown = ReadSeconds(Setting("ShutdownTimeoutSeconds", "CREDPROXY_SHUTDOWN_TIMEOUT_SECONDS"), Name("ShutdownTimeoutSeconds", "CREDPROXY_SHUTDOWN_TIMEOUT_SECONDS"), 30, errors);
        if (upstreams.Count == 0 && errors.Count == 0)
        {
            errors.Add("no registry configured: set CI_REGISTRY, CREDPROXY_REGISTRY_1_HOST or CredProxy:Upstreams in the config file");
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return new ProxyOptions
        {
            Listen = listen,
            MetricsListen = metricsListen,
            AllowNonLoopback = allowNonLoopback,
            RequirePushToken = requireToken,
            DefaultUpstream = defaultUpstream,
            Upstreams = upstreams,
            JsonLogs = logFormat == "json",
            ShutdownTimeout = TimeSpan.FromSeconds(shutdown),
        };
    }

    private static string FlagName(string key) => key switch
    {
        "DefaultUpstream" => "--default-registry",
        "RequirePushToken" => "--no-push-token",
        "AllowNonLoopback" => "--allow-non-loopback",
        "LogFormat" => "--log-format",
        "DockerConfig" => "--docker-config",
        "MetricsListen" => "--metrics-listen",
        _ => "--" + key.ToLowerInvariant(),
    };

    /// <summary>Finds an executable by name in the directories of <paramref name="path"/>.</summary>
    private static Func<string, string?> HelperFinder(string? path) => name =>
        SettingValues.SplitPath(path)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static IEnumerable<UpstreamDraft> ReadConfigUpstreams(IConfigurationSection section)
    {
        foreach (var child in section.GetSection("Upstreams").GetChildren())
        {
            var prefix = child.Path;
            yield return UpstreamDraft.FromFields(prefix, field => $"{prefix}:{field}", field => child[field], field => ReadList(child.GetSection(field)));
        }
    }

    private static IReadOnlyList<string>? ReadList(IConfigurationSection section)
    {
        if (section.Value is not null)
        {
            return SettingValues.SplitList(section.Value);
        }

        var children = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return children.Count > 0 || section.Exists() ? children : null;
    }

    private static void CheckListen(string listen, string name, bool allowNonLoopback, List<string> errors)
    {
        if (!ListenAddress.TryParse(listen, out var endpoint))
        {
            errors.Add($"{name}: '{listen}' is not ip:port (e.g. 127.0.0.1:5080)");
        }
        else if (!allowNonLoopback && !System.Net.IPAddress.IsLoopback(endpoint!.Address))
        {
            errors.Add($"{name}: '{listen}' is not a loopback address (set AllowNonLoopback to allow it)");
        }
    }

    private static bool ReadBool(string? value, string name, bool fallback, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (SettingValues.TryParseBool(value, out var result))
        {
            return result;
        }

        errors.Add($"{name}: '{value}' is not true or false");
        return fallback;
    }

    private static int ReadSeconds(string? value, string name, int fallback, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 3600)
        {
            return seconds;
        }

        errors.Add($"{name}: '{value}' is not a number of seconds (0-3600)");
        return fallback;
    }
}
