using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>
/// Cloud identities from metadata endpoints: Azure managed identity through MSAL (then the ACR exchange) and
/// Google's metadata server through Google.Apis.Auth, each against a local stand-in reached through the
/// library's own HTTP injection point, and a token registry that verifies what it gets.
/// </summary>
public sealed class MetadataCredentialTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>, IAsyncLifetime
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private FakeMetadata _metadata = null!;

    private CancellationToken Ct => _cts.Token;

    public async Task InitializeAsync()
    {
        _metadata = await FakeMetadata.StartAsync(Ct);
        fixture.Issuer.AcceptAzureToken = token => _metadata.AzureTokens.Contains(token);
        _metadata.OnGoogleToken = token =>
        {
            lock (fixture.Issuer.Users)
            {
                fixture.Issuer.Users["oauth2accesstoken"] = token;
            }
        };
    }

    public async Task DisposeAsync()
    {
        await _metadata.DisposeAsync();
        _cts.Dispose();
    }

    private Task<ProxyServer> StartProxyAsync(string field, string value)
    {
        var options = ProxyOptionsLoader.Load(
            new ConfigurationBuilder().Build(),
            new Dictionary<string, string>
            {
                ["CREDPROXY_REGISTRY_1_HOST"] = fixture.Registry.Host,
                ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
                ["CREDPROXY_REGISTRY_1_" + field] = value,
                ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
            },
            new Dictionary<string, string>(),
            _ => null);
        return ProxyServer.StartAsync(options, Ct, services: s => s
            .AddSingleton(_metadata.MsalHttpClientFactory)
            .AddSingleton(_metadata.GoogleHttpClientFactory));
    }

    [Fact]
    public async Task Azure_user_assigned_managed_identity_pushes_and_pulls_through_imds()
    {
        const string clientId = "6b0f6d2c-0d0e-4b8e-9a43-7f1f4c0e2a11";
        _metadata.AzureIdentities.Add(clientId);
        await using var proxy = await StartProxyAsync("AZURE_MANAGED_IDENTITY", clientId);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("azure/managed", [6, 1], Ct);
        Assert.Equal([6, 1], await oci.GetAsync($"/v2/azure/managed/blobs/{digest}", Ct));

        var token = Assert.Single(_metadata.Requests, r => r.Target.StartsWith("/metadata/identity/oauth2/token", StringComparison.Ordinal));
        Assert.Equal("169.254.169.254", token.OriginalHost);
        Assert.Equal("true", token.MetadataHeader);
        Assert.Contains("resource=https", token.Target, StringComparison.Ordinal);
        Assert.Contains("client_id=" + clientId, token.Target, StringComparison.Ordinal);
        Assert.Contains("api-version=", token.Target, StringComparison.Ordinal);
        Assert.DoesNotContain("mi-", proxy.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("acr-refresh-", proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_managed_identity_means_403_and_a_log_line()
    {
        await using var proxy = await StartProxyAsync("AZURE_MANAGED_IDENTITY", "0d4b0a8e-1111-4c4c-8d8d-000000000000");
        using var response = await new OciClient(proxy.Client, null, null).StartUploadAsync("azure/none", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:azure/none:pull,push");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("managed identity 0d4b0a8e", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Google_metadata_server_token_pushes_and_pulls()
    {
        await using var proxy = await StartProxyAsync("GOOGLE_METADATA", "true");
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("google/metadata", [8, 8], Ct);
        Assert.Equal([8, 8], await oci.GetAsync($"/v2/google/metadata/blobs/{digest}", Ct));

        var token = Assert.Single(_metadata.Requests, r => r.Target.StartsWith("/computeMetadata/v1/instance/service-accounts/default/token", StringComparison.Ordinal));
        Assert.Equal("Google", token.FlavorHeader);
        Assert.Single(_metadata.GoogleTokens);
        Assert.DoesNotContain("ya29.", proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusing_google_metadata_server_means_403_and_a_log_line()
    {
        _metadata.GoogleRefuses = true;
        await using var proxy = await StartProxyAsync("GOOGLE_METADATA", "true");
        using var response = await new OciClient(proxy.Client, null, null).StartUploadAsync("google/none", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:google/none:pull,push");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("metadata server", StringComparison.Ordinal));
    }
}
