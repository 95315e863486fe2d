using System.Security.Cryptography;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;
using Microsoft.Extensions.Configuration;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>Google service account keys: JWT-bearer grant at a local token_uri, then oauth2accesstoken at the registry.</summary>
public sealed class GoogleCredentialTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("credproxy-google-");

    private CancellationToken Ct => _cts.Token;

    public void Dispose()
    {
        _cts.Dispose();
        _dir.Delete(recursive: true);
    }

    private ProxyOptions Options(RSA signingKey)
    {
        var keyFile = Path.Combine(_dir.FullName, "sa.json");
        File.WriteAllText(keyFile, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "test-project",
            ["private_key_id"] = "key1",
            ["private_key"] = signingKey.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "builder@test-project.iam.gserviceaccount.com",
            ["client_id"] = "1234",
            ["token_uri"] = fixture.Issuer.GoogleTokenUri.ToString(),
        }));
        return ProxyOptionsLoader.Load(
            new ConfigurationBuilder().Build(),
            new Dictionary<string, string>
            {
                ["CREDPROXY_REGISTRY_1_HOST"] = fixture.Registry.Host,
                ["CREDPROXY_REGISTRY_1_INSECURE"] = "true",
                ["CREDPROXY_REGISTRY_1_GOOGLE_CREDENTIALS_FILE"] = keyFile,
                ["CREDPROXY_REQUIRE_PUSH_TOKEN"] = "false",
            },
            new Dictionary<string, string>(),
            path => File.Exists(path) ? File.ReadAllText(path) : null);
    }

    [Fact]
    public async Task Service_account_key_pushes_and_pulls()
    {
        using var key = RSA.Create(2048);
        fixture.Issuer.GoogleServiceAccountKey = key;
        await using var proxy = await ProxyServer.StartAsync(Options(key), Ct);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("google/app", [7, 7, 7], Ct);
        Assert.Equal([7, 7, 7], await oci.GetAsync($"/v2/google/app/blobs/{digest}", Ct));
        Assert.Equal(1, fixture.Issuer.GoogleTokensIssued);
        Assert.DoesNotContain("ya29.", proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_the_token_endpoint_refuses_means_403()
    {
        using var trusted = RSA.Create(2048);
        using var other = RSA.Create(2048);
        fixture.Issuer.GoogleServiceAccountKey = trusted;
        await using var proxy = await ProxyServer.StartAsync(Options(other), Ct);
        using var response = await new OciClient(proxy.Client, null, null).StartUploadAsync("google/denied", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, "repository:google/denied:pull,push");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[206]", StringComparison.Ordinal) && l.Contains("invalid_grant", StringComparison.Ordinal));
    }
}
