using System.Net;
using System.Text;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.Extensions.Configuration;
using TempDirectory = Kaniko.TestKit.TempDirectory;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>
/// Docker config <c>identitytoken</c>: an OAuth2 refresh token, exchanged at the registry's token endpoint
/// (POST, <c>grant_type=refresh_token</c>) for access tokens the registry verifies for real.
/// </summary>
public sealed class IdentityTokenTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private const string RefreshToken = "identity-Refresh-Token-0451";

    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private readonly TempDirectory _temp = TempDirectory.Create("identity-token");

    private CancellationToken Ct => _cts.Token;

    public void Dispose()
    {
        _cts.Dispose();
        _temp.Dispose();
    }

    private async Task<ProxyServer> StartAsync(string identityToken)
    {
        var config = _temp.Combine("config.json");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("<token>:"));
        var entry = $$"""{"auth":"{{auth}}","identitytoken":"{{identityToken}}"}""";
        await File.WriteAllTextAsync(config, $$"""{"auths":{"{{fixture.Registry.Host}}":""" + entry + "}}", Ct);
        var options = ProxyOptionsLoader.Load(
            new ConfigurationBuilder().Build(),
            new Dictionary<string, string>
            {
                ["CREDPROXY_DOCKER_CONFIG"] = config,
                ["CREDPROXY_INSECURE_REGISTRIES"] = fixture.Registry.Host,
                ["CREDPROXY_REGISTRY_1_HOST"] = fixture.Registry.Host,
                ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
            },
            new Dictionary<string, string>(),
            path => File.Exists(path) ? File.ReadAllText(path) : null);
        var upstream = Assert.Single(options.Upstreams);
        Assert.True(upstream.Credential!.IsIdentityToken);
        Assert.DoesNotContain(identityToken, upstream.Credential.ToString(), StringComparison.Ordinal);
        return await ProxyServer.StartAsync(options, Ct);
    }

    [Fact]
    public async Task The_identity_token_is_exchanged_with_the_oauth2_post_and_push_and_pull_work()
    {
        fixture.Issuer.RefreshTokens[RefreshToken] = TokenRegistryFixture.User;
        await using var proxy = await StartAsync(RefreshToken);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("idtok/app", [4, 2], Ct);
        Assert.Equal([4, 2], await oci.GetAsync($"/v2/idtok/app/blobs/{digest}", Ct));

        var exchanges = fixture.Issuer.OAuthRequests.Where(r => r.GetValueOrDefault("scope")?.Contains("idtok/app", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.All(exchanges, form =>
        {
            Assert.Equal("refresh_token", form["grant_type"]);
            Assert.Equal(RefreshToken, form["refresh_token"]);
            Assert.Equal("credproxy", form["client_id"]);
            Assert.Equal(TokenIssuer.Service, form["service"]);
        });
        Assert.Contains(exchanges, form => form["scope"] == "repository:idtok/app:pull,push");
        Assert.Contains(exchanges, form => form["scope"] == "repository:idtok/app:pull");
        Assert.DoesNotContain(fixture.Issuer.Requests, r => r.Contains("idtok/app", StringComparison.Ordinal));
        Assert.DoesNotContain(RefreshToken, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_identity_token_means_403_naming_the_token_endpoint()
    {
        await using var proxy = await StartAsync("identity-Token-Unknown-77");
        using var response = await proxy.Client.GetAsync("/v2/idtok/refused/tags/list", Ct);
        var body = await HtpasswdProxyTests.AssertDeniedAsync(response, "answered 401");
        Assert.Contains(fixture.Issuer.Realm.Authority, body, StringComparison.Ordinal);
        Assert.DoesNotContain("identity-Token-Unknown-77", proxy.Logs.All + body, StringComparison.Ordinal);
    }
}
