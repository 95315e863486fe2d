using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Kaniko.TestKit;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>
/// ECR through the AWS SDK: local STS and ECR API stand-ins (service URL overrides) check the exact
/// requests: AssumeRoleWithWebIdentity's form fields, and GetAuthorizationToken's SigV4 signature recomputed
/// independently; a real registry wants the <c>AWS:password</c> the API hands out.
/// </summary>
public sealed class EcrCredentialTests : IAsyncLifetime
{
    private const string KeyId = "AKIDTEST";
    private const string Secret = "ecr-Secret-Key-789";
    private const string RegistryPassword = "ecr-registry-Pa55";
    private const string WebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.web-identity-Assertion-456.sig";

    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private RegistryProcess _registry = null!;
    private FakeAws _aws = null!;
    private TempDirectory _temp = null!;

    private CancellationToken Ct => _cts.Token;

    public async Task InitializeAsync()
    {
        _registry = await RegistryProcess.StartHtpasswdAsync("AWS", RegistryPassword, Ct);
        _aws = await FakeAws.StartAsync(RegistryPassword, Ct);
        _aws.AcceptKey(KeyId, Secret);
        _aws.AcceptKey("ASIASESSION", "session-Secret-1", "session-Token-1");
        _temp = TempDirectory.Create("ecr");
    }

    public async Task DisposeAsync()
    {
        await _aws.DisposeAsync();
        await _registry.DisposeAsync();
        _temp.Dispose();
        _cts.Dispose();
    }

    private Task<ProxyServer> StartProxyAsync(Dictionary<string, string> aws)
    {
        var environment = new Dictionary<string, string>
        {
            ["CREDPROXY_REGISTRY_1_HOST"] = _registry.Host,
            ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
            ["CREDPROXY_REGISTRY_1_AWS_REGION"] = FakeAws.Region,
            ["CREDPROXY_REGISTRY_1_ECR_API_ENDPOINT"] = _aws.Url.ToString(),
            ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
        };
        foreach (var (key, value) in aws)
        {
            environment["CREDPROXY_REGISTRY_1_" + key] = value;
        }

        var options = ProxyOptionsLoader.Load(new ConfigurationBuilder().Build(), environment, new Dictionary<string, string>(), ReadFile);
        return ProxyServer.StartAsync(options, Ct);
    }

    private static string? ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    [Fact]
    public async Task Keys_sign_the_call_and_get_the_registry_password_once()
    {
        await using var proxy = await StartProxyAsync(new() { ["AWS_ACCESS_KEY_ID"] = KeyId, ["AWS_SECRET_ACCESS_KEY"] = Secret });
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("ecr/app", [5, 5], Ct);
        Assert.Equal([5, 5], await oci.GetAsync($"/v2/ecr/app/blobs/{digest}", Ct));
        Assert.Empty(_aws.EcrRefusals);
        var call = Assert.Single(_aws.EcrCalls);
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={KeyId}/", call.Headers["authorization"], StringComparison.Ordinal);
        Assert.Equal("/", call.Path);
        Assert.Empty(_aws.StsCalls);
        Assert.DoesNotContain(RegistryPassword, proxy.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_keys_send_and_sign_the_session_token()
    {
        await using var proxy = await StartProxyAsync(new()
        {
            ["AWS_ACCESS_KEY_ID"] = "ASIASESSION",
            ["AWS_SECRET_ACCESS_KEY"] = "session-Secret-1",
            ["AWS_SESSION_TOKEN"] = "session-Token-1",
        });
        using var response = await proxy.Client.GetAsync("/v2/ecr/app/tags/list", Ct);
        Assert.Empty(_aws.EcrRefusals);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.NotFound, proxy.Logs.All);
        Assert.Equal("session-Token-1", Assert.Single(_aws.EcrCalls).Headers["x-amz-security-token"]);
        Assert.DoesNotContain("session-Token-1", proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_identity_assumes_the_role_with_the_token_file_then_signs_with_the_session()
    {
        var tokenFile = _temp.Combine("web-identity-token");
        await File.WriteAllTextAsync(tokenFile, WebIdentityToken, Ct);
        _aws.AcceptedWebIdentityToken = WebIdentityToken;
        await using var proxy = await StartProxyAsync(new()
        {
            ["AWS_ROLE_ARN"] = _aws.RoleArn,
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_SESSION_NAME"] = "build-42",
            ["STS_ENDPOINT"] = _aws.Url.ToString(),
        });
        var oci = new OciClient(proxy.Client, null, null);
        using (var start = await oci.StartUploadAsync("ecr/web", Ct))
        {
            Assert.True(start.StatusCode == System.Net.HttpStatusCode.Accepted, proxy.Logs.All + string.Join("\n", _aws.EcrRefusals));
        }

        var sts = Assert.Single(_aws.StsCalls);
        var form = sts.Form;
        Assert.Equal("AssumeRoleWithWebIdentity", form["Action"]);
        Assert.Equal("2011-06-15", form["Version"]);
        Assert.Equal(_aws.RoleArn, form["RoleArn"]);
        Assert.Equal("build-42", form["RoleSessionName"]);
        Assert.Equal(WebIdentityToken, form["WebIdentityToken"]);
        Assert.False(sts.Headers.ContainsKey("authorization"), "AssumeRoleWithWebIdentity is an unsigned call");

        var issued = Assert.Single(_aws.Issued);
        var ecr = Assert.Single(_aws.EcrCalls);
        Assert.Empty(_aws.EcrRefusals);
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={issued.KeyId}/", ecr.Headers["authorization"], StringComparison.Ordinal);
        Assert.Equal(issued.Token, ecr.Headers["x-amz-security-token"]);
        foreach (var secret in new[] { WebIdentityToken, issued.Secret, issued.Token, RegistryPassword })
        {
            Assert.DoesNotContain(secret, proxy.Logs.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_refused_web_identity_token_means_403_and_a_log_line_naming_the_role()
    {
        var tokenFile = _temp.Combine("stale-token");
        await File.WriteAllTextAsync(tokenFile, "stale-Token-999", Ct);
        _aws.AcceptedWebIdentityToken = WebIdentityToken;
        await using var proxy = await StartProxyAsync(new()
        {
            ["AWS_ROLE_ARN"] = _aws.RoleArn,
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["STS_ENDPOINT"] = _aws.Url.ToString(),
        });
        using var response = await proxy.Client.GetAsync("/v2/ecr/app/tags/list", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:ecr/app:pull");
        Assert.Equal("credproxy", _aws.StsCalls.First().Form["RoleSessionName"]);
        Assert.True(proxy.Logs.Lines.Any(l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains(_aws.RoleArn, StringComparison.Ordinal) && l.Contains("InvalidIdentityToken", StringComparison.Ordinal)), proxy.Logs.All);
        Assert.DoesNotContain("stale-Token-999", proxy.Logs.All, StringComparison.Ordinal);
        Assert.Empty(_aws.EcrCalls);
    }

    [Fact]
    public async Task Bad_signature_means_403()
    {
        await using var proxy = await StartProxyAsync(new() { ["AWS_ACCESS_KEY_ID"] = KeyId, ["AWS_SECRET_ACCESS_KEY"] = "wrong-secret" });
        using var response = await proxy.Client.GetAsync("/v2/ecr/app/tags/list", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:ecr/app:pull");
        Assert.All(_aws.EcrRefusals, r => Assert.Equal("signature does not match", r));
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("answered 403 InvalidSignatureException", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("123456789012.dkr.ecr.eu-central-1.amazonaws.com", "eu-central-1")]
    [InlineData("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "us-gov-west-1")]
    [InlineData("registry.example.com", null)]
    public void Region_comes_from_the_ecr_host(string host, string? region) => Assert.Equal(region, AwsIdentity.RegionFromHost(host));
}
