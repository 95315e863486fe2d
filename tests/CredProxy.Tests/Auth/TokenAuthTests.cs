using System.Net;
using System.Text;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;

namespace Kaniko.CredProxy.Tests.Auth;

/// <summary>Bearer-token registries: the registry verifies the issued JWTs for real.</summary>
public sealed class TokenAuthTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    public void Dispose() => _cts.Dispose();

    private Task<ProxyServer> StartProxyAsync(string? user, string? password, TimeProvider? time = null, RegistryProcess? registry = null, IReadOnlyList<string>? realmHosts = null) =>
        ProxyServer.StartAsync(
            new ProxyOptions
            {
                Upstreams = [ProxyServer.Upstream(registry ?? fixture.Registry, user, password) with { RealmHosts = realmHosts ?? [] }],
                RequirePushToken = false,
            },
            Ct,
            time);

    private int TokenRequestsFor(string scopeFragment) => fixture.Issuer.Requests.Count(r => r.Contains(scopeFragment, StringComparison.Ordinal));

    [Fact]
    public async Task Push_and_pull_with_cached_tokens_per_scope()
    {
        await using var proxy = await StartProxyAsync(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        var oci = new OciClient(proxy.Client, null, null);
        var config = Encoding.UTF8.GetBytes("{}");
        var layer = Encoding.UTF8.GetBytes("layer-" + Guid.NewGuid());
        var configDigest = await oci.PushBlobAsync("tok/cache", config, Ct);
        var layerDigest = await oci.PushBlobChunkedAsync("tok/cache", layer, Ct);
        await oci.PutManifestAsync("tok/cache", "v1", configDigest, config.Length, layerDigest, layer.Length, Ct);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(layer, await oci.GetAsync($"/v2/tok/cache/blobs/{layerDigest}", Ct));
        }

        Assert.Equal(1, TokenRequestsFor("repository:tok/cache:pull,push"));
        Assert.Equal(1, TokenRequestsFor("|repository:tok/cache:pull|"));
        Assert.All(fixture.Issuer.Requests.Where(r => r.Contains("tok/cache", StringComparison.Ordinal)), r => Assert.StartsWith(TokenRegistryFixture.User + "|", r, StringComparison.Ordinal));
        Assert.All(fixture.Issuer.Requests, r => Assert.EndsWith("|" + TokenIssuer.Service, r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Expired_tokens_are_fetched_again()
    {
        var time = new ManualTime();
        await using var proxy = await StartProxyAsync(TokenRegistryFixture.User, TokenRegistryFixture.Password, time);
        var oci = new OciClient(proxy.Client, null, null);
        using var first = await proxy.Client.GetAsync("/v2/tok/expiry/tags/list", Ct);
        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        time.Advance(TimeSpan.FromSeconds(200));
        using var second = await proxy.Client.GetAsync("/v2/tok/expiry/tags/list", Ct);
        Assert.Equal(1, TokenRequestsFor("|repository:tok/expiry:pull|"));
        time.Advance(TimeSpan.FromSeconds(50));
        using var third = await proxy.Client.GetAsync("/v2/tok/expiry/tags/list", Ct);
        Assert.Equal(HttpStatusCode.NotFound, third.StatusCode);
        Assert.Equal(2, TokenRequestsFor("|repository:tok/expiry:pull|"));
    }

    [Fact]
    public async Task Cross_repository_mount_asks_pull_on_the_source()
    {
        await using var proxy = await StartProxyAsync(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        var oci = new OciClient(proxy.Client, null, null);
        var digest = await oci.PushBlobAsync("tok/mount-src", Encoding.UTF8.GetBytes("mount-" + Guid.NewGuid()), Ct);
        using var mount = await oci.StartUploadAsync("tok/mount-dst", Ct, $"mount={digest}&from=tok/mount-src");
        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        Assert.Equal(1, TokenRequestsFor("repository:tok/mount-dst:pull,push repository:tok/mount-src:pull"));
    }

    [Fact]
    public async Task Anonymous_pull_works_without_credentials()
    {
        await using var writer = await StartProxyAsync(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        var data = Encoding.UTF8.GetBytes("anon-" + Guid.NewGuid());
        var digest = await new OciClient(writer.Client, null, null).PushBlobAsync("tok/public", data, Ct);
        await using var reader = await StartProxyAsync(null, null);
        Assert.Equal(data, await new OciClient(reader.Client, null, null).GetAsync($"/v2/tok/public/blobs/{digest}", Ct));
    }

    [Fact]
    public async Task Scope_the_registry_refuses_becomes_403_naming_it()
    {
        await using var proxy = await StartProxyAsync(TokenRegistryFixture.Reader, TokenRegistryFixture.ReaderPassword);
        using var push = await new OciClient(proxy.Client, null, null).StartUploadAsync("tok/readonly", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(push, "repository:tok/readonly:pull,push");
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[101]", StringComparison.Ordinal) && l.Contains("repository:tok/readonly:pull,push", StringComparison.Ordinal));
        Assert.DoesNotContain(TokenRegistryFixture.ReaderPassword, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_at_the_token_endpoint_becomes_403_without_secret()
    {
        const string wrong = "nope-Pa55word-wxy";
        await using var proxy = await StartProxyAsync(TokenRegistryFixture.User, wrong);
        using var pull = await proxy.Client.GetAsync("/v2/tok/wrong/manifests/latest", Ct);
        var body = await HtpasswdProxyTests.AssertDeniedAsync(pull, "answered 401 for repository:tok/wrong:pull");
        Assert.DoesNotContain(wrong, body + proxy.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TokenRegistryFixture.User}:{wrong}")), proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Realm_on_a_host_not_pinned_gets_no_credentials()
    {
        var localhostRealm = new UriBuilder(fixture.Issuer.Realm) { Host = "localhost" }.Uri.ToString();
        await using var registry = await RegistryProcess.StartTokenAsync(localhostRealm, TokenIssuer.Service, TokenIssuer.Issuer, fixture.Issuer.CertificatePem, Ct);
        var before = fixture.Issuer.Requests.Count;
        await using (var proxy = await StartProxyAsync(TokenRegistryFixture.User, TokenRegistryFixture.Password, registry: registry))
        {
            using var pull = await proxy.Client.GetAsync("/v2/tok/pinned/tags/list", Ct);
            await HtpasswdProxyTests.AssertDeniedAsync(pull, "token realm host localhost:");
            using var put = new HttpRequestMessage(HttpMethod.Put, "/v2/tok/pinned/manifests/v1") { Content = new ByteArrayContent(new byte[500_000]) };
            using var putResponse = await proxy.Client.SendAsync(put, Ct);
            await HtpasswdProxyTests.AssertDeniedAsync(putResponse, "not pinned");
            Assert.Contains(proxy.Logs.Lines, l => l.Contains("[202]", StringComparison.Ordinal));
            Assert.Equal(before, fixture.Issuer.Requests.Count);
        }

        await using (var pinned = await StartProxyAsync(TokenRegistryFixture.User, TokenRegistryFixture.Password, registry: registry, realmHosts: ["localhost"]))
        {
            using var pull = await pinned.Client.GetAsync("/v2/tok/pinned/tags/list", Ct);
            Assert.Equal(HttpStatusCode.NotFound, pull.StatusCode);
        }
    }
}
