using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;

namespace Kaniko.CredProxy.Tests.Routing;

/// <summary>Pull and push through the proxy to a real htpasswd registry.</summary>
public sealed class HtpasswdProxyTests(HtpasswdRegistryFixture fixture) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    private RegistryProcess Registry => fixture.Registry;

    public void Dispose() => _cts.Dispose();

    private Task<ProxyServer> StartProxyAsync(string password = HtpasswdRegistryFixture.Password, bool requireToken = true) =>
        ProxyServer.StartAsync(
            new ProxyOptions
            {
                Upstreams = [ProxyServer.Upstream(Registry, HtpasswdRegistryFixture.User, password)],
                RequirePushToken = requireToken,
            },
            Ct);

    private static async Task<string> ClaimAsync(ProxyServer proxy, CancellationToken ct)
    {
        using var response = await proxy.Client.PostAsync("/_kaniko/session", null, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var token = json.GetProperty("pushToken").GetString()!;
        TestSecrets.Add(token);
        Assert.Equal(43, token.Length);
        Assert.DoesNotContain('=', token);
        return token;
    }

    [Fact]
    public async Task Base_endpoint_answers_200_without_auth()
    {
        await using var proxy = await StartProxyAsync();
        using var response = await proxy.Client.GetAsync("/v2/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.Null(response.Headers.WwwAuthenticate.FirstOrDefault());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Push_and_pull_blobs_and_manifest(bool withNs)
    {
        await using var proxy = await StartProxyAsync();
        var token = await ClaimAsync(proxy, Ct);
        var oci = new OciClient(proxy.Client, withNs ? Registry.Host : null, token);
        var repo = withNs ? "team/app-ns" : "team/app-default";
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux"}""");
        var layer = new byte[300_000];
        Random.Shared.NextBytes(layer);

        var configDigest = await oci.PushBlobAsync(repo, config, Ct);
        var layerDigest = await oci.PushBlobChunkedAsync(repo, layer, Ct);
        var manifestDigest = await oci.PutManifestAsync(repo, "v1", configDigest, config.Length, layerDigest, layer.Length, Ct);

        var reader = new OciClient(proxy.Client, withNs ? Registry.Host : null, null);
        Assert.Equal(layerDigest, OciClient.Digest(await reader.GetAsync($"/v2/{repo}/blobs/{layerDigest}", Ct)));
        var manifest = await reader.GetAsync($"/v2/{repo}/manifests/v1", Ct, OciClient.ManifestType);
        Assert.Equal(manifestDigest, OciClient.Digest(manifest));
        using var headRequest = new HttpRequestMessage(HttpMethod.Head, reader.Url($"/v2/{repo}/manifests/{manifestDigest}"));
        headRequest.Headers.Accept.ParseAdd(OciClient.ManifestType);
        using var head = await proxy.Client.SendAsync(headRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        var tags = Encoding.UTF8.GetString(await reader.GetAsync($"/v2/{repo}/tags/list", Ct));
        Assert.Contains("\"v1\"", tags, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_location_points_back_at_the_proxy_and_keeps_ns()
    {
        await using var proxy = await StartProxyAsync();
        var token = await ClaimAsync(proxy, Ct);
        var oci = new OciClient(proxy.Client, Registry.Host, token);
        using var start = await oci.StartUploadAsync("loc/test", Ct);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.Equal(proxy.BaseAddress.Authority, location.Authority);
        Assert.StartsWith("/v2/loc/test/blobs/uploads/", location.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("_state=", location.Query, StringComparison.Ordinal);
        Assert.EndsWith("&ns=" + Uri.EscapeDataString(Registry.Host), location.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_need_the_push_token()
    {
        await using var proxy = await StartProxyAsync();
        var before = new OciClient(proxy.Client, null, "not-yet-claimed");
        using (var early = await before.StartUploadAsync("cap/test", Ct))
        {
            await AssertDeniedAsync(early, "Kaniko-Push-Token");
        }

        var token = await ClaimAsync(proxy, Ct);
        foreach (var presented in new string?[] { null, "wrong", token[..^1] })
        {
            using var response = await new OciClient(proxy.Client, null, presented).StartUploadAsync("cap/test", Ct);
            await AssertDeniedAsync(response, presented is null ? "missing" : "wrong");
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, "/v2/cap/test/manifests/v1") { Content = new ByteArrayContent([1]) };
        using var putResponse = await proxy.Client.SendAsync(put, Ct);
        await AssertDeniedAsync(putResponse, "missing");
        using var ok = await new OciClient(proxy.Client, null, token).StartUploadAsync("cap/test", Ct);
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[112]", StringComparison.Ordinal));
        Assert.DoesNotContain(token, proxy.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Second_session_claim_is_refused_and_logged()
    {
        await using var proxy = await StartProxyAsync();
        await ClaimAsync(proxy, Ct);
        using var second = await proxy.Client.PostAsync("/_kaniko/session", null, Ct);
        await AssertDeniedAsync(second, "already claimed");
        using var get = await proxy.Client.GetAsync("/_kaniko/session", Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[111]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Push_token_requirement_can_be_disabled()
    {
        await using var proxy = await StartProxyAsync(requireToken: false);
        var digest = await new OciClient(proxy.Client, null, null).PushBlobAsync("skopeo/like", [1, 2, 3], Ct);
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unconfigured_ns_is_refused()
    {
        await using var proxy = await StartProxyAsync();
        using var response = await proxy.Client.GetAsync("/v2/library/alpine/manifests/latest?ns=evil.example.com", Ct);
        await AssertDeniedAsync(response, "evil.example.com is not configured");
    }

    [Fact]
    public async Task Wrong_credentials_give_403_naming_registry_and_repository_without_secrets()
    {
        const string wrong = "wrong-Pa55word-abc";
        await using var proxy = await StartProxyAsync(password: wrong);
        var token = await ClaimAsync(proxy, Ct);
        using var pull = await proxy.Client.GetAsync("/v2/secret/repo/manifests/latest", Ct);
        var body = await AssertDeniedAsync(pull, Registry.Host + "/secret/repo");
        Assert.Contains("repository:secret/repo:pull", body, StringComparison.Ordinal);

        using var push = await new OciClient(proxy.Client, null, token).StartUploadAsync("secret/repo", Ct);
        body = await AssertDeniedAsync(push, "repository:secret/repo:pull,push");
        foreach (var text in new[] { body, proxy.Logs.All })
        {
            Assert.DoesNotContain(wrong, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HtpasswdRegistryFixture.User}:{wrong}")), text, StringComparison.Ordinal);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        }

        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[101]", StringComparison.Ordinal) && l.Contains("secret/repo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refused_requests_with_a_body_or_HEAD_still_get_a_clean_403()
    {
        await using var proxy = await StartProxyAsync(password: "wrong-again-Pa55");
        var token = await ClaimAsync(proxy, Ct);
        var oci = new OciClient(proxy.Client, null, token);
        using (var put = oci.Request(HttpMethod.Put, "/v2/body/repo/manifests/v1"))
        {
            put.Content = new ByteArrayContent(new byte[1_000_000]);
            put.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(OciClient.ManifestType);
            using var response = await proxy.Client.SendAsync(put, Ct);
            await AssertDeniedAsync(response, "repository:body/repo:pull,push");
        }

        using var head = await proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/body/repo/blobs/sha256:" + new string('a', 64)), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);

        // The connection is still usable afterwards.
        using var ok = await proxy.Client.GetAsync("/v2/", Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Upstream_never_sees_forwarding_or_client_auth_headers()
    {
        // The htpasswd registry would refuse the client's own Authorization; the proxy replaces it.
        await using var proxy = await StartProxyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/hdr/test/tags/list");
        request.Headers.TryAddWithoutValidation("Authorization", "Basic Zm9vOmJhcg==");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.0.0.1");
        using var response = await proxy.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    internal static async Task<string> AssertDeniedAsync(HttpResponseMessage response, string expectedInMessage)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("DENIED", error.GetProperty("code").GetString());
        Assert.Contains(expectedInMessage, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        return body;
    }
}
