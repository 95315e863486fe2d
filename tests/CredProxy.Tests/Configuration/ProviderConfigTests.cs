using System.Text;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Configuration;

/// <summary>Docker config.json, GitHub Actions and Docker Hub defaults.</summary>
public sealed class ProviderConfigTests
{
    private static ProxyOptions Load(Dictionary<string, string> env, Dictionary<string, string> files) =>
        ProxyOptionsLoader.Load(new ConfigurationBuilder().Build(), env, new Dictionary<string, string>(), path => files.GetValueOrDefault(path));

    private static string Auth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public void Docker_config_auths_and_helpers_become_registries()
    {
        var helperDir = Directory.CreateTempSubdirectory("credproxy-helper-");
        try
        {
            File.WriteAllText(Path.Combine(helperDir.FullName, "docker-credential-fake"), "#!/bin/sh\n");
            var config = $$"""
                {
                  "auths": {
                    "https://index.docker.io/v1/": {"auth": "{{Auth("hubuser", "hub:pass")}}"},
                    "registry.example.com": {"username": "u2", "password": "p2"},
                    "store.example.com": {},
                    "explicit.example.com": {"auth": "{{Auth("fromfile", "x")}}"}
                  },
                  "credHelpers": {"helped.example.com": "fake"},
                  "credsStore": "fake"
                }
                """;
            var options = Load(
                new()
                {
                    ["CREDPROXY_DOCKER_CONFIG"] = "/cfg/config.json",
                    ["PATH"] = "/nonexistent:" + helperDir.FullName,
                    ["CREDPROXY_REGISTRY_1_HOST"] = "explicit.example.com",
                    ["CREDPROXY_REGISTRY_1_PUSH"] = "team/app",
                },
                new() { ["/cfg/config.json"] = config });

            var hub = options.FindUpstream("docker.io")!;
            Assert.Equal(new Uri("https://registry-1.docker.io"), hub.Endpoint);
            Assert.Contains("auth.docker.io", hub.RealmHosts);
            Assert.Equal("hubuser", hub.Credential!.Username);
            Assert.Equal("hub:pass", hub.Credential.Password);
            Assert.Equal("p2", options.FindUpstream("registry.example.com")!.Credential!.Password);
            var store = options.FindUpstream("store.example.com")!;
            Assert.Equal(Path.Combine(helperDir.FullName, "docker-credential-fake"), store.CredentialHelper);
            Assert.Equal("store.example.com", store.CredentialHelperServer);
            Assert.NotNull(options.FindUpstream("helped.example.com")!.CredentialHelper);
            var explicitUpstream = options.FindUpstream("explicit.example.com")!;
            Assert.Equal("fromfile", explicitUpstream.Credential!.Username);
            Assert.Equal(["team/app"], explicitUpstream.Push!.Select(p => p.Text));
            Assert.Equal(5, options.Upstreams.Count);
            Assert.Null(options.DefaultUpstreamOptions);
        }
        finally
        {
            helperDir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Docker_config_errors_name_file_and_key_without_secrets()
    {
        var errors = Assert.Throws<ConfigurationException>(() => Load(
            new() { ["CREDPROXY_DOCKER_CONFIG"] = "/cfg/config.json", ["PATH"] = "/nonexistent" },
            new()
            {
                ["/cfg/config.json"] = """
                    {"auths": {"a.example": {"auth": "!!!"}, "b.example": {"identitytoken": "tok-secret"}},
                     "credHelpers": {"c.example": "missing"}}
                    """,
            })).Errors;
        var all = string.Join('\n', errors);
        Assert.Contains("/cfg/config.json auths.a.example.auth: not base64", all, StringComparison.Ordinal);
        Assert.Contains("credHelpers.c.example: docker-credential-missing is not on PATH", all, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-secret", all, StringComparison.Ordinal);

        var missing = Assert.Throws<ConfigurationException>(() => Load(new() { ["CREDPROXY_DOCKER_CONFIG"] = "/nope.json" }, [])).Errors;
        Assert.Contains("CREDPROXY_DOCKER_CONFIG: cannot read '/nope.json'", missing, StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("null", "is not a docker config.json")]
    [InlineData("[1, 2]", "is not a docker config.json")]
    [InlineData("\"auths\"", "is not a docker config.json")]
    [InlineData("""{"auths": []}""", "auths is a JSON array, expected an object")]
    [InlineData("""{"credHelpers": "gcloud"}""", "credHelpers is a JSON string, expected an object")]
    public void A_docker_config_of_the_wrong_shape_is_a_named_error_not_a_crash(string json, string expected)
    {
        var errors = Assert.Throws<ConfigurationException>(() => Load(
            new() { ["CREDPROXY_DOCKER_CONFIG"] = "/cfg/config.json", ["CREDPROXY_REGISTRY_1_HOST"] = "reg.example" },
            new() { ["/cfg/config.json"] = json })).Errors;

        Assert.Contains(errors, e => e.StartsWith("CREDPROXY_DOCKER_CONFIG: '/cfg/config.json'", StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void GitHub_actions_variables_configure_ghcr_with_push_limited_to_the_repository()
    {
        var options = Load(
            new() { ["GITHUB_TOKEN"] = "ghs_x", ["GITHUB_ACTOR"] = "octocat", ["GITHUB_REPOSITORY"] = "Octo-Org/Hello-World" },
            []);
        var ghcr = Assert.Single(options.Upstreams);
        Assert.Equal("ghcr.io", ghcr.Host);
        Assert.Equal(new Uri("https://ghcr.io"), ghcr.Endpoint);
        Assert.Equal("octocat", ghcr.Credential!.Username);
        Assert.Equal(["octo-org/hello-world", "octo-org/hello-world/*"], ghcr.Push!.Select(p => p.Text));
    }

    [Theory]
    [InlineData("docker.io")]
    [InlineData("index.docker.io")]
    [InlineData("registry-1.docker.io")]
    public void Docker_hub_names_map_to_its_api_and_auth_hosts(string host)
    {
        var options = Load(new() { ["CREDPROXY_REGISTRY_1_HOST"] = host, ["CREDPROXY_DEFAULT_REGISTRY"] = host }, []);
        var hub = Assert.Single(options.Upstreams);
        Assert.Same(hub, options.FindUpstream("index.docker.io"));
        Assert.Same(hub, options.DefaultUpstreamOptions);
        Assert.Equal("docker.io", hub.Host);
        Assert.Equal(new Uri("https://registry-1.docker.io"), hub.Endpoint);
        Assert.Equal(["auth.docker.io"], hub.RealmHosts);
        Assert.Null(Kaniko.CredProxy.Auth.RealmPolicy.Check(hub, "https://auth.docker.io/token"));
        Assert.NotNull(Kaniko.CredProxy.Auth.RealmPolicy.Check(hub, "https://evil.example/token"));
        Assert.NotNull(Kaniko.CredProxy.Auth.RealmPolicy.Check(hub, "http://auth.docker.io/token"));
    }

    [Fact]
    public void An_ecr_host_without_credentials_uses_the_sdk_default_chain_in_its_region()
    {
        var options = Load(new() { ["CREDPROXY_REGISTRY_1_HOST"] = "123456789012.dkr.ecr.eu-central-1.amazonaws.com" }, []);
        var aws = Assert.Single(options.Upstreams).Aws!;
        Assert.Equal(AwsCredentialKind.DefaultChain, aws.Kind);
        Assert.Equal("eu-central-1", aws.Region);
        Assert.Equal(new Uri("https://api.ecr.eu-central-1.amazonaws.com"), aws.ApiEndpoint);
    }

    [Fact]
    public void Web_identity_settings_are_read_and_checked()
    {
        var options = Load(
            new()
            {
                ["CREDPROXY_REGISTRY_1_HOST"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                ["CREDPROXY_REGISTRY_1_AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/ci",
                ["CREDPROXY_REGISTRY_1_AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token",
            },
            new() { ["/var/run/token"] = "jwt" });
        var aws = options.Upstreams[0].Aws!;
        Assert.Equal(AwsCredentialKind.WebIdentity, aws.Kind);
        Assert.Equal("credproxy", aws.RoleSessionName);
        Assert.Null(aws.StsEndpoint);
        Assert.DoesNotContain("jwt", aws.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AWS_ACCESS_KEY_ID=k,AWS_SECRET_ACCESS_KEY=s,AWS_ROLE_ARN=arn:aws:iam::1:role/r", "CREDPROXY_REGISTRY_1_AWS_ROLE_ARN: set either AWS keys or a web identity role")]
    [InlineData("AWS_ROLE_ARN=arn:aws:iam::1:role/r", "CREDPROXY_REGISTRY_1_AWS_WEB_IDENTITY_TOKEN_FILE: required")]
    [InlineData("AWS_ROLE_ARN=arn:aws:iam::1:role/r,AWS_WEB_IDENTITY_TOKEN_FILE=/missing", "CREDPROXY_REGISTRY_1_AWS_WEB_IDENTITY_TOKEN_FILE: cannot read '/missing'")]
    [InlineData("AWS_WEB_IDENTITY_TOKEN_FILE=/t,AWS_ROLE_ARN=role", "CREDPROXY_REGISTRY_1_AWS_ROLE_ARN: required for web identity")]
    [InlineData("AWS_ACCESS_KEY_ID=k", "CREDPROXY_REGISTRY_1_AWS_SECRET_ACCESS_KEY: required")]
    [InlineData("AWS_ACCESS_KEY_ID=k,AWS_SECRET_ACCESS_KEY=s,STS_ENDPOINT=http://127.0.0.1:1", "CREDPROXY_REGISTRY_1_STS_ENDPOINT: only used with a web identity role")]
    [InlineData("AWS_ACCESS_KEY_ID=k,AWS_SECRET_ACCESS_KEY=s,USERNAME=u,PASSWORD=p", "AWS credentials exclude other credentials")]
    public void Bad_aws_settings_name_the_setting(string settings, string expected)
    {
        var env = new Dictionary<string, string> { ["CREDPROXY_REGISTRY_1_HOST"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com" };
        foreach (var pair in settings.Split(','))
        {
            var eq = pair.IndexOf('=');
            env["CREDPROXY_REGISTRY_1_" + pair[..eq]] = pair[(eq + 1)..];
        }

        var error = Assert.Throws<ConfigurationException>(() => Load(env, new() { ["/t"] = "jwt" }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("=s", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AZURE_MANAGED_IDENTITY=system,AZURE_CLIENT_ID=x", "CREDPROXY_REGISTRY_1_AZURE_MANAGED_IDENTITY: a managed identity excludes")]
    [InlineData("AZURE_MANAGED_IDENTITY=someone", "is neither 'system' nor a client id")]
    [InlineData("AZURE_MANAGED_IDENTITY=system,USERNAME=u,PASSWORD=p", "Azure credentials exclude")]
    [InlineData("GOOGLE_METADATA=true,USERNAME=u,PASSWORD=p", "CREDPROXY_REGISTRY_1_GOOGLE_METADATA: the metadata server excludes")]
    [InlineData("GOOGLE_METADATA=perhaps", "CREDPROXY_REGISTRY_1_GOOGLE_METADATA: 'perhaps' is not true or false")]
    public void Bad_metadata_identity_settings_name_the_setting(string settings, string expected)
    {
        var env = new Dictionary<string, string> { ["CREDPROXY_REGISTRY_1_HOST"] = "registry.example.com" };
        foreach (var pair in settings.Split(','))
        {
            var eq = pair.IndexOf('=');
            env["CREDPROXY_REGISTRY_1_" + pair[..eq]] = pair[(eq + 1)..];
        }

        var error = Assert.Throws<ConfigurationException>(() => Load(env, []));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Azure_client_certificate_is_checked_at_start_and_errors_name_the_setting_never_the_password()
    {
        var dir = Directory.CreateTempSubdirectory("credproxy-cert-");
        try
        {
            using var good = TestCertificates.Create("good");
            using var expired = TestCertificates.Create("expired", TimeSpan.FromHours(-1));
            using var ecdsa = TestCertificates.Create("ecdsa", rsa: false);
            var pem = TestCertificates.WritePem(good, Path.Combine(dir.FullName, "good.pem"));
            var pfx = TestCertificates.WritePfx(good, Path.Combine(dir.FullName, "good.pfx"), TestCertificates.PfxPassword);
            var cases = new (Dictionary<string, string> Settings, string Expected)[]
            {
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = Path.Combine(dir.FullName, "missing.pem") }, "_FILE: cannot read '"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = TestCertificates.WritePem(good, Path.Combine(dir.FullName, "nokey.pem"), withKey: false) }, "_FILE: '" + dir.FullName + "/nokey.pem' holds no private key"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = TestCertificates.WritePem(good, Path.Combine(dir.FullName, "enc.pem"), TestCertificates.PfxPassword) }, "is encrypted: set CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_PASSWORD"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = pfx, ["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = "wrong-Pfx-Pa55" }, "as a PFX (wrong or missing CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_PASSWORD"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = pfx }, "wrong or missing CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_PASSWORD"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = TestCertificates.WritePem(expired, Path.Combine(dir.FullName, "expired.pem")) }, "(CN=expired) expired on"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = TestCertificates.WritePem(ecdsa, Path.Combine(dir.FullName, "ec.pem")) }, "is not RSA"),
                (new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = pem, ["AZURE_CLIENT_SECRET"] = "also-a-Secret" }, "CREDPROXY_REGISTRY_1_AZURE_CLIENT_SECRET: set exactly one of it, CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_FILE and"),
                (new() { ["AZURE_CLIENT_SECRET"] = "also-a-Secret", ["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = TestCertificates.PfxPassword }, "CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_PASSWORD: only used with CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_FILE"),
                (new() { ["AZURE_MANAGED_IDENTITY"] = "system", ["AZURE_CLIENT_CERTIFICATE_FILE"] = pem }, "a managed identity excludes"),
            };
            foreach (var (settings, expected) in cases)
            {
                var env = new Dictionary<string, string>
                {
                    ["CREDPROXY_REGISTRY_1_HOST"] = "x.azurecr.io",
                    ["CREDPROXY_REGISTRY_1_AZURE_TENANT_ID"] = "t",
                    ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_ID"] = "c",
                };
                foreach (var (key, value) in settings)
                {
                    env["CREDPROXY_REGISTRY_1_" + key] = value;
                }

                var error = Assert.Throws<ConfigurationException>(() => Load(env, [])).Message;
                Assert.Contains(expected, error, StringComparison.Ordinal);
                Assert.Empty(TestSecrets.FoundIn(error));
                Assert.DoesNotContain("wrong-Pfx-Pa55", error, StringComparison.Ordinal);
            }

            var fromEnv = Load(
                new()
                {
                    ["CREDPROXY_REGISTRY_1_HOST"] = "x.azurecr.io",
                    ["CREDPROXY_REGISTRY_1_AZURE_TENANT_ID"] = "t",
                    ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_ID"] = "c",
                    ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_FILE"] = pfx,
                    ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_PASSWORD"] = TestCertificates.PfxPassword,
                },
                []).Upstreams[0].Azure!;
            Assert.Equal((pfx, TestCertificates.PfxPassword), (fromEnv.ClientCertificateFile, fromEnv.ClientCertificatePassword));
            Assert.DoesNotContain(TestCertificates.PfxPassword, fromEnv.ToString(), StringComparison.Ordinal);

            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CredProxy:Upstreams:0:Host"] = "x.azurecr.io",
                ["CredProxy:Upstreams:0:AzureTenantId"] = "t",
                ["CredProxy:Upstreams:0:AzureClientId"] = "c",
                ["CredProxy:Upstreams:0:AzureClientCertificateFile"] = pfx,
                ["CredProxy:Upstreams:0:AzureClientCertificatePassword"] = "wrong-Pfx-Pa55",
            }).Build();
            var configError = Assert.Throws<ConfigurationException>(() => ProxyOptionsLoader.Load(config, new Dictionary<string, string>(), new Dictionary<string, string>(), _ => null)).Message;
            Assert.Contains("CredProxy:Upstreams:0:AzureClientCertificateFile: cannot open", configError, StringComparison.Ordinal);
            Assert.Contains("wrong or missing CredProxy:Upstreams:0:AzureClientCertificatePassword", configError, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-Pfx-Pa55", configError, StringComparison.Ordinal);
            Assert.Equal(pem, Load(new() { ["CREDPROXY_REGISTRY_1_HOST"] = "x.azurecr.io", ["CREDPROXY_REGISTRY_1_AZURE_TENANT_ID"] = "t", ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_ID"] = "c", ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_CERTIFICATE_FILE"] = pem }, []).Upstreams[0].Azure!.ClientCertificateFile);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Metadata_identities_are_credentials()
    {
        var azure = Load(new() { ["CREDPROXY_REGISTRY_1_HOST"] = "x.azurecr.io", ["CREDPROXY_REGISTRY_1_AZURE_MANAGED_IDENTITY"] = "system" }, []).Upstreams[0];
        Assert.Equal("system", azure.Azure!.ManagedIdentity);
        Assert.Null(azure.Azure.TenantId);
        Assert.True(azure.HasCredentials);
        var google = Load(new() { ["CREDPROXY_REGISTRY_1_HOST"] = "europe-docker.pkg.dev", ["CREDPROXY_REGISTRY_1_GOOGLE_METADATA"] = "true" }, []).Upstreams[0];
        Assert.True(google.GoogleMetadata);
        Assert.True(google.HasCredentials);
    }
}
