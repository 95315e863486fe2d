using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Hosting;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Configuration;

public sealed class ProxyOptionsLoaderTests
{
    private static readonly Dictionary<string, string> _none = [];

    private static ProxyOptions Load(Dictionary<string, string> env, Dictionary<string, string?>? config = null, Dictionary<string, string>? overrides = null, Func<string, string?>? readFile = null) =>
        ProxyOptionsLoader.Load(
            new ConfigurationBuilder().AddInMemoryCollection(config ?? []).Build(),
            env,
            overrides ?? _none,
            readFile ?? (_ => null));

    private static IReadOnlyList<string> Errors(Dictionary<string, string> env, Dictionary<string, string?>? config = null, Dictionary<string, string>? overrides = null) =>
        Assert.Throws<ConfigurationException>(() => Load(env, config, overrides)).Errors;

    [Fact]
    public void GitLab_variables_make_the_default_registry_with_push_limited_to_the_project()
    {
        var options = Load(new()
        {
            ["CI_REGISTRY"] = "registry.gitlab.example:5050",
            ["CI_REGISTRY_USER"] = "gitlab-ci-token",
            ["CI_REGISTRY_PASSWORD"] = "job-token",
            ["CI_REGISTRY_IMAGE"] = "registry.gitlab.example:5050/group/project",
            ["CREDPROXY_REGISTRY_1_HOST"] = "127.0.0.1:5000",
            ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
        });
        var gitlab = options.FindUpstream("registry.gitlab.example:5050")!;
        Assert.Equal(gitlab, options.DefaultUpstreamOptions);
        Assert.Equal(new Uri("https://registry.gitlab.example:5050"), gitlab.Endpoint);
        Assert.Equal("gitlab-ci-token", gitlab.Credential!.Username);
        Assert.Equal(["group/project", "group/project/*"], gitlab.Push!.Select(p => p.Text));
        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.FindUpstream("127.0.0.1:5000")!.Endpoint);
        Assert.True(options.RequirePushToken);
        Assert.Equal("127.0.0.1:5080", options.Listen);
    }

    [Fact]
    public void GitLab_job_token_stands_in_for_missing_registry_user_and_password()
    {
        var gitlab = Load(new() { ["CI_REGISTRY"] = "registry.gitlab.example", ["CI_JOB_TOKEN"] = "job-Token-from-ci" }).Upstreams.Single();
        Assert.Equal("gitlab-ci-token", gitlab.Credential!.Username);
        Assert.Equal("job-Token-from-ci", gitlab.Credential.Password);

        var explicitCredential = Load(new()
        {
            ["CI_REGISTRY"] = "registry.gitlab.example",
            ["CI_REGISTRY_USER"] = "deploy-bot",
            ["CI_REGISTRY_PASSWORD"] = "deploy-Pa55",
            ["CI_JOB_TOKEN"] = "job-Token-from-ci",
        }).Upstreams.Single().Credential!;
        Assert.Equal(("deploy-bot", "deploy-Pa55"), (explicitCredential.Username, explicitCredential.Password));

        // Half an explicit pair is still an error naming the missing variable, not a silent job token.
        var errors = string.Join('\n', Errors(new() { ["CI_REGISTRY"] = "registry.gitlab.example", ["CI_REGISTRY_USER"] = "deploy-bot", ["CI_JOB_TOKEN"] = "job-Token-from-ci" }));
        Assert.Contains("CI_REGISTRY_PASSWORD: missing while CI_REGISTRY_USER is set", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("job-Token-from-ci", errors, StringComparison.Ordinal);
        Assert.Null(Load(new() { ["CI_REGISTRY"] = "registry.gitlab.example" }).Upstreams.Single().Credential);
    }

    [Fact]
    public void GitLab_dependency_proxy_is_a_pull_only_registry_found_with_or_without_port_443()
    {
        var options = Load(new()
        {
            ["CI_REGISTRY"] = "registry.gitlab.example",
            ["CI_REGISTRY_IMAGE"] = "registry.gitlab.example/group/project",
            ["CI_JOB_TOKEN"] = "job-Token-from-ci",
            ["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example:443",
            ["CI_DEPENDENCY_PROXY_USER"] = "gitlab-ci-token",
            ["CI_DEPENDENCY_PROXY_PASSWORD"] = "proxy-Pa55word",
        });
        Assert.Equal(2, options.Upstreams.Count);
        Assert.Equal("registry.gitlab.example", options.DefaultUpstreamOptions!.Host);
        var dependencyProxy = options.FindUpstream("gitlab.example:443")!;
        Assert.Same(dependencyProxy, options.FindUpstream("gitlab.example"));
        Assert.Same(dependencyProxy, options.FindUpstream("GitLab.Example:443"));
        Assert.Null(options.FindUpstream("gitlab.example:444"));
        Assert.Equal(new Uri("https://gitlab.example:443"), dependencyProxy.Endpoint);
        Assert.Equal("proxy-Pa55word", dependencyProxy.Credential!.Password);
        Assert.Empty(dependencyProxy.Push!);
        Assert.Equal("CI_DEPENDENCY_PROXY_SERVER", dependencyProxy.Source);

        var jobToken = Load(new() { ["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example:443", ["CI_JOB_TOKEN"] = "job-Token-from-ci" }).Upstreams.Single();
        Assert.Equal(("gitlab-ci-token", "job-Token-from-ci"), (jobToken.Credential!.Username, jobToken.Credential.Password));
    }

    [Fact]
    public void GitLab_dependency_proxy_on_the_registry_host_merges_into_the_registry()
    {
        // Self-managed GitLab may serve registry and dependency proxy on one host: one upstream, the registry's
        // push allow-list and credentials; with ns=host:443 (the dependency proxy's image prefix) it is found too.
        var options = Load(new()
        {
            ["CI_REGISTRY"] = "gitlab.example",
            ["CI_REGISTRY_IMAGE"] = "gitlab.example/group/project",
            ["CI_REGISTRY_USER"] = "gitlab-ci-token",
            ["CI_REGISTRY_PASSWORD"] = "registry-Pa55word",
            ["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example:443",
            ["CI_DEPENDENCY_PROXY_USER"] = "gitlab-ci-token",
            ["CI_DEPENDENCY_PROXY_PASSWORD"] = "proxy-Pa55word",
        });
        var merged = Assert.Single(options.Upstreams);
        Assert.Equal("gitlab.example", merged.Host);
        Assert.Equal("registry-Pa55word", merged.Credential!.Password);
        Assert.Equal(["group/project", "group/project/*"], merged.Push!.Select(p => p.Text));
        Assert.Same(merged, options.FindUpstream("gitlab.example:443"));

        // Without credentials of its own, the registry takes the dependency proxy's.
        var filled = Load(new() { ["CI_REGISTRY"] = "gitlab.example", ["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example", ["CI_DEPENDENCY_PROXY_USER"] = "u", ["CI_DEPENDENCY_PROXY_PASSWORD"] = "proxy-Pa55word" });
        Assert.Equal("proxy-Pa55word", Assert.Single(filled.Upstreams).Credential!.Password);
    }

    [Fact]
    public void GitLab_dependency_proxy_errors_name_its_variables()
    {
        var errors = string.Join('\n', Errors(new() { ["CI_DEPENDENCY_PROXY_SERVER"] = "https://gitlab.example/x", ["CI_DEPENDENCY_PROXY_PASSWORD"] = "proxy-Pa55word" }));
        Assert.Contains("CI_DEPENDENCY_PROXY_SERVER: 'https://gitlab.example/x' is not a registry host[:port]", errors, StringComparison.Ordinal);
        Assert.Contains("CI_DEPENDENCY_PROXY_USER: missing while a password is set", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("proxy-Pa55word", errors, StringComparison.Ordinal);
        Assert.Contains(
            "CREDPROXY_REGISTRY_1_HOST: registry 'gitlab.example' is configured twice",
            Errors(new() { ["CREDPROXY_REGISTRY_1_HOST"] = "gitlab.example", ["CI_REGISTRY"] = "gitlab.example:443" })[0],
            StringComparison.Ordinal);
    }

    [Fact]
    public void Generic_variables_cover_every_field()
    {
        var options = Load(
            new()
            {
                ["CREDPROXY_REGISTRY_7_HOST"] = "Reg.Example",
                ["CREDPROXY_REGISTRY_7_ENDPOINT"] = "http://127.0.0.1:6000",
                ["CREDPROXY_REGISTRY_7_USERNAME"] = "bot",
                ["CREDPROXY_REGISTRY_7_PASSWORD_FILE"] = "/run/pw",
                ["CREDPROXY_REGISTRY_7_REALM_HOSTS"] = "auth.example, login.example",
                ["CREDPROXY_REGISTRY_7_PULL"] = "base/*",
                ["CREDPROXY_REGISTRY_7_PUSH"] = "team/app,team/app/*",
                ["CREDPROXY_REGISTRY_7_LISTEN"] = "127.0.0.1:5001",
                ["CREDPROXY_REGISTRY_7_SKIP_TLS_VERIFY"] = "yes",
                ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
                ["CREDPROXY_LOG_FORMAT"] = "json",
            },
            readFile: path => path == "/run/pw" ? "from-file\n" : null);
        var upstream = Assert.Single(options.Upstreams);
        Assert.Equal("reg.example", upstream.Host);
        Assert.Equal(new Uri("http://127.0.0.1:6000"), upstream.Endpoint);
        Assert.Equal("from-file", upstream.Credential!.Password);
        Assert.Equal(["auth.example", "login.example"], upstream.RealmHosts);
        Assert.Equal(["base/*"], upstream.Pull.Select(p => p.Text));
        Assert.Equal("127.0.0.1:5001", upstream.Listen);
        Assert.True(upstream.SkipTlsVerify);
        Assert.False(options.RequirePushToken);
        Assert.True(options.JsonLogs);
        Assert.DoesNotContain("from-file", upstream.Credential.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("from-file", upstream.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Insecure_registries_list_reaches_docker_config_and_config_file_registries()
    {
        var options = Load(
            new()
            {
                ["CREDPROXY_DOCKER_CONFIG"] = "/run/config.json",
                ["CREDPROXY_INSECURE_REGISTRIES"] = "127.0.0.1:5000, files.example:8080, explicit.example",
                ["CREDPROXY_REGISTRY_1_HOST"] = "explicit.example",
                ["CREDPROXY_REGISTRY_1_INSECURE"] = "false",
            },
            new() { ["CredProxy:Upstreams:0:Host"] = "files.example:8080" },
            readFile: path => path == "/run/config.json"
                ? """{"auths":{"127.0.0.1:5000":{"auth":"dTpw"},"secure.example":{"auth":"dTpw"}}}"""
                : null);
        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.FindUpstream("127.0.0.1:5000")!.Endpoint);
        Assert.Equal(new Uri("http://files.example:8080"), options.FindUpstream("files.example:8080")!.Endpoint);
        Assert.Equal(new Uri("https://secure.example"), options.FindUpstream("secure.example")!.Endpoint);

        // A registry's own setting wins over the list.
        Assert.Equal(new Uri("https://explicit.example"), options.FindUpstream("explicit.example")!.Endpoint);
    }

    [Fact]
    public void Config_file_upstreams_and_flag_overrides()
    {
        var options = Load(
            _none,
            new()
            {
                ["CredProxy:Listen"] = "127.0.0.1:7000",
                ["CredProxy:DefaultUpstream"] = "b.example",
                ["CredProxy:Upstreams:0:Host"] = "a.example",
                ["CredProxy:Upstreams:0:Push:0"] = "x/y",
                ["CredProxy:Upstreams:1:Host"] = "b.example",
                ["CredProxy:Upstreams:1:Pull"] = "p/q, r",
            },
            new() { ["Listen"] = "127.0.0.1:0" });
        Assert.Equal("127.0.0.1:0", options.Listen);
        Assert.Equal("b.example", options.DefaultUpstreamOptions!.Host);
        Assert.Equal(["x/y"], options.FindUpstream("a.example")!.Push!.Select(p => p.Text));
        Assert.Null(options.FindUpstream("b.example")!.Push);
        Assert.Equal(["p/q", "r"], options.FindUpstream("b.example")!.Pull.Select(p => p.Text));
    }

    [Fact]
    public void Every_error_names_its_setting_and_no_secret()
    {
        var errors = Errors(
            new()
            {
                ["CREDPROXY_REGISTRY_1_HOST"] = "a.example",
                ["CREDPROXY_REGISTRY_1_USERNAME"] = "u",
                ["CREDPROXY_REGISTRY_1_ENDPOINT"] = "ftp://x",
                ["CREDPROXY_REGISTRY_1_PUSH"] = "Bad/Name",
                ["CREDPROXY_REGISTRY_2_HOST"] = "A.example",
                ["CREDPROXY_REGISTRY_2_PASSWORD"] = "pw-secret-1",
                ["CREDPROXY_REGISTRY_3_PASSWORD"] = "pw-secret-2",
                ["CREDPROXY_REGISTRY_X_HOST"] = "b",
                ["CREDPROXY_DEFAULT_REGISTRY"] = "nope.example",
                ["CREDPROXY_LOG_FORMAT"] = "xml",
            },
            new() { ["CredProxy:Upstreams:0:Host"] = "c.example", ["CredProxy:Upstreams:0:Listen"] = "10.1.2.3:80" },
            new() { ["Listen"] = "nonsense" });
        var all = string.Join('\n', errors);
        Assert.Contains("CREDPROXY_REGISTRY_1_PASSWORD: missing while CREDPROXY_REGISTRY_1_USERNAME is set", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_1_ENDPOINT: 'ftp://x'", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_1_PUSH: 'Bad/Name'", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_2_USERNAME: missing", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_3_HOST: required", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_REGISTRY_X_HOST: unknown setting", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_DEFAULT_REGISTRY: 'nope.example'", all, StringComparison.Ordinal);
        Assert.Contains("CREDPROXY_LOG_FORMAT: 'xml'", all, StringComparison.Ordinal);
        Assert.Contains("--listen: 'nonsense'", all, StringComparison.Ordinal);
        Assert.Contains("CredProxy:Upstreams:0 Listen: '10.1.2.3:80' is not a loopback address", all, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-secret", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_registries_and_no_registry_are_errors()
    {
        Assert.Contains("configured twice", Errors(new() { ["CI_REGISTRY"] = "r.example", ["CREDPROXY_REGISTRY_1_HOST"] = "R.example" })[0], StringComparison.Ordinal);
        Assert.Contains("no registry configured", Errors(_none)[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--listen", "127.0.0.1:0", "--no-push-token" }, "Listen=127.0.0.1:0,RequirePushToken=false", null)]
    [InlineData(new[] { "--config=/x.json", "--log-format", "json", "--default-registry", "r" }, "DefaultUpstream=r,LogFormat=json", "/x.json")]
    public void Command_line_maps_to_settings(string[] args, string expected, string? config)
    {
        var parsed = CommandLine.Parse(args, out var error);
        Assert.Null(error);
        Assert.Equal(expected, string.Join(',', parsed.Overrides.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}")));
        Assert.Equal(config, parsed.ConfigFile);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--listen")]
    public void Command_line_errors(string arg)
    {
        CommandLine.Parse([arg], out var error);
        Assert.NotNull(error);
    }
}
