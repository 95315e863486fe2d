using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>ACR flow: MSAL client credentials at a local Entra ID, exchange at the registry origin, real token registry.</summary>
public sealed class AzureCredentialTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>, IAsyncLifetime
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("credproxy-azure-");
    private FakeEntraId _entra = null!;

    private CancellationToken Ct => _cts.Token;

    public async Task InitializeAsync()
    {
        _entra = await FakeEntraId.StartAsync(Ct);
        fixture.Issuer.AcceptAzureToken = token => _entra.IssuedTokens.ContainsKey(token);
    }

    public async Task DisposeAsync()
    {
        await _entra.DisposeAsync();
        _cts.Dispose();
        _dir.Delete(recursive: true);
    }

    private Task<ProxyServer> StartProxyAsync(Dictionary<string, string> azure)
    {
        var env = new Dictionary<string, string>
        {
            ["CREDPROXY_REGISTRY_1_HOST"] = fixture.Registry.Host,
            ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
            ["CREDPROXY_REGISTRY_1_AZURE_TENANT_ID"] = FakeEntraId.Tenant,
            ["CREDPROXY_REGISTRY_1_AZURE_CLIENT_ID"] = FakeEntraId.ClientId,
            ["CREDPROXY_REGISTRY_1_AZURE_AUTHORITY_HOST"] = _entra.AuthorityHost.ToString(),
            ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
        };
        foreach (var (key, value) in azure)
        {
            env["CREDPROXY_REGISTRY_1_" + key] = value;
        }

        var options = ProxyOptionsLoader.Load(new ConfigurationBuilder().Build(), env, new Dictionary<string, string>(), File.ReadAllText);
        return ProxyServer.StartAsync(options, Ct, services: s => s.AddSingleton(_entra.HttpClientFactory));
    }

    [Fact]
    public async Task Client_secret_pushes_and_pulls()
    {
        await using var proxy = await StartProxyAsync(new() { ["AZURE_CLIENT_SECRET"] = FakeEntraId.ClientSecret });
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("azure/app", [1, 9], Ct);
        Assert.Equal([1, 9], await oci.GetAsync($"/v2/azure/app/blobs/{digest}", Ct));
        Assert.Single(_entra.IssuedTokens);
        Assert.DoesNotContain(FakeEntraId.ClientSecret, proxy.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("acr-refresh-", proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Federated_token_file_pushes()
    {
        var file = Path.Combine(_dir.FullName, "token");
        await File.WriteAllTextAsync(file, FakeEntraId.FederatedAssertion + "\n", Ct);
        await using var proxy = await StartProxyAsync(new() { ["AZURE_FEDERATED_TOKEN_FILE"] = file });
        await new OciClient(proxy.Client, null, null).PushBlobAsync("azure/federated", [3], Ct);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("encrypted-pem")]
    [InlineData("pfx")]
    public async Task Client_certificate_signs_the_assertion_and_pushes_and_pulls(string format)
    {
        using var certificate = TestCertificates.Create("credproxy-test-client");
        _entra.ClientCertificate = TestCertificates.PublicPart(certificate);
        var settings = new Dictionary<string, string>();
        var path = Path.Combine(_dir.FullName, "client." + format);
        settings["AZURE_CLIENT_CERTIFICATE_FILE"] = format switch
        {
            "pem" => TestCertificates.WritePem(certificate, path),
            "encrypted-pem" => TestCertificates.WritePem(certificate, path, TestCertificates.PfxPassword),
            _ => TestCertificates.WritePfx(certificate, path, TestCertificates.PfxPassword),
        };
        if (format != "pem")
        {
            settings["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = TestCertificates.PfxPassword;
        }

        await using var proxy = await StartProxyAsync(settings);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("azure/certificate", [2, 7], Ct);
        Assert.Equal([2, 7], await oci.GetAsync($"/v2/azure/certificate/blobs/{digest}", Ct));

        // The fake verified signature (certificate's public key), x5t thumbprint, issuer, subject and expiry.
        var assertion = Assert.Single(_entra.CertificateAssertions);
        Assert.Equal(("PS256", "x5t#S256"), (assertion.Algorithm, assertion.ThumbprintHeader));
        Assert.Equal($"{_entra.AuthorityHost}{FakeEntraId.Tenant}/oauth2/v2.0/token", assertion.Audience);
        Assert.Single(_entra.IssuedTokens);
        Assert.DoesNotContain(TestCertificates.PfxPassword, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unregistered_certificate_means_403_and_a_log_without_secrets()
    {
        using var registered = TestCertificates.Create("registered");
        using var other = TestCertificates.Create("other");
        _entra.ClientCertificate = TestCertificates.PublicPart(registered);
        var file = TestCertificates.WritePfx(other, Path.Combine(_dir.FullName, "other.pfx"), TestCertificates.PfxPassword);
        await using var proxy = await StartProxyAsync(new() { ["AZURE_CLIENT_CERTIFICATE_FILE"] = file, ["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = TestCertificates.PfxPassword });
        using var response = await new OciClient(proxy.Client, null, null).StartUploadAsync("azure/denied", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:azure/denied:pull,push");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("invalid_client", StringComparison.Ordinal));
        Assert.Empty(_entra.CertificateAssertions);
        Assert.Empty(_entra.IssuedTokens);
    }

    [Fact]
    public async Task Wrong_secret_means_403_and_a_log_without_secrets()
    {
        await using var proxy = await StartProxyAsync(new() { ["AZURE_CLIENT_SECRET"] = "wrong-Secret-456" });
        using var response = await new OciClient(proxy.Client, null, null).StartUploadAsync("azure/denied", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:azure/denied:pull,push");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("invalid_client", StringComparison.Ordinal));
        Assert.DoesNotContain("wrong-Secret-456", proxy.Logs.All, StringComparison.Ordinal);
    }
}
