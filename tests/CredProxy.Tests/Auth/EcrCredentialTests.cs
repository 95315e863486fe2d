using System.Net;
using System.Text;
using Kaniko.CredProxy.Auth;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>ECR: a local GetAuthorizationToken endpoint that checks the SigV4 signature, and a registry that wants AWS:password.</summary>
public sealed class EcrCredentialTests : IAsyncLifetime
{
    private const string KeyId = "AKIDTEST";
    private const string Secret = "ecr-Secret-Key-789";
    private const string RegistryPassword = "ecr-registry-Pa55";

    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private RegistryProcess _registry = null!;
    private WebApplication _api = null!;
    private int _calls;

    private CancellationToken Ct => _cts.Token;

    public async Task InitializeAsync()
    {
        _registry = await RegistryProcess.StartHtpasswdAsync("AWS", RegistryPassword, Ct);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _api = builder.Build();
        _api.MapPost("/", (Delegate)GetAuthorizationTokenAsync);
        await _api.StartAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        await _api.StopAsync(CancellationToken.None);
        await _api.DisposeAsync();
        await _registry.DisposeAsync();
        _cts.Dispose();
    }

    private async Task<IResult> GetAuthorizationTokenAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = context.Request;
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        var now = DateTimeOffset.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = request.ContentType!,
            ["host"] = request.Host.Value!,
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = request.Headers["X-Amz-Target"].ToString(),
        };
        var expected = AwsSigV4.Authorization("POST", "/", string.Empty, headers, body.ToArray(), KeyId, Secret, "eu-west-1", "ecr", now);
        if (request.Headers.Authorization != expected || headers["x-amz-target"] != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
        {
            return Results.Json(new Dictionary<string, string> { ["__type"] = "InvalidSignatureException" }, statusCode: 403);
        }

        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + RegistryPassword));
        return Results.Text(
            $$"""{"authorizationData":[{"authorizationToken":"{{token}}","expiresAt":{{DateTimeOffset.UtcNow.AddHours(12).ToUnixTimeSeconds()}}.5,"proxyEndpoint":"https://x"}]}""",
            "application/x-amz-json-1.1");
    }

    private Task<ProxyServer> StartProxyAsync(string secret)
    {
        var options = ProxyOptionsLoader.Load(
            new ConfigurationBuilder().Build(),
            new Dictionary<string, string>
            {
                ["CREDPROXY_REGISTRY_1_HOST"] = _registry.Host,
                ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
                ["CREDPROXY_REGISTRY_1_AWS_ACCESS_KEY_ID"] = KeyId,
                ["CREDPROXY_REGISTRY_1_AWS_SECRET_ACCESS_KEY"] = secret,
                ["CREDPROXY_REGISTRY_1_AWS_REGION"] = "eu-west-1",
                ["CREDPROXY_REGISTRY_1_ECR_API_ENDPOINT"] = _api.Urls.First(),
                ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
            },
            new Dictionary<string, string>(),
            _ => null);
        return ProxyServer.StartAsync(options, Ct);
    }

    [Fact]
    public async Task Signed_request_gets_the_registry_password_once()
    {
        await using var proxy = await StartProxyAsync(Secret);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("ecr/app", [5, 5], Ct);
        Assert.Equal([5, 5], await oci.GetAsync($"/v2/ecr/app/blobs/{digest}", Ct));
        Assert.Equal(1, _calls);
        Assert.DoesNotContain(RegistryPassword, proxy.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_signature_means_403()
    {
        await using var proxy = await StartProxyAsync("wrong-secret");
        using var response = await proxy.Client.GetAsync("/v2/ecr/app/tags/list", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:ecr/app:pull");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("answered 403", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("123456789012.dkr.ecr.eu-central-1.amazonaws.com", "eu-central-1")]
    [InlineData("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "us-gov-west-1")]
    [InlineData("registry.example.com", null)]
    public void Region_comes_from_the_ecr_host(string host, string? region) => Assert.Equal(region, AwsIdentity.RegionFromHost(host));
}
