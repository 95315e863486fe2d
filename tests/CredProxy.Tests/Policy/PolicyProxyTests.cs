using System.Net;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Policy;
using Kaniko.CredProxy.Tests.Infrastructure;
using Kaniko.CredProxy.Tests.Routing;

namespace Kaniko.CredProxy.Tests.Policy;

/// <summary>Refusals end to end: answered 403 DENIED, logged, nothing sent upstream.</summary>
public sealed class PolicyProxyTests(HtpasswdRegistryFixture fixture) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    public void Dispose() => _cts.Dispose();

    private static RepositoryPattern Pattern(string text) => RepositoryPattern.TryParse(text, out var p) ? p! : throw new ArgumentException(text);

    private async Task<(ProxyServer Proxy, OciClient Writer)> StartAsync()
    {
        var proxy = await ProxyServer.StartAsync(
            new ProxyOptions
            {
                Upstreams =
                [
                    ProxyServer.Upstream(fixture.Registry, HtpasswdRegistryFixture.User, HtpasswdRegistryFixture.Password) with
                    {
                        Pull = [Pattern("base/*")],
                        Push = [Pattern("team/app"), Pattern("team/app/*")],
                    },
                ],
            },
            Ct);
        using var claim = await proxy.Client.PostAsync("/_kaniko/session", null, Ct);
        var token = System.Text.Json.JsonDocument.Parse(await claim.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("pushToken").GetString();
        TestSecrets.Add(token);
        return (proxy, new OciClient(proxy.Client, null, token));
    }

    [Fact]
    public async Task Allowed_destinations_pass_and_others_are_refused_and_logged()
    {
        var (proxy, writer) = await StartAsync();
        await using var _ = proxy;
        var digest = await writer.PushBlobAsync("team/app", [1, 2, 3, 4], Ct);
        await writer.PushBlobAsync("team/app/cache", [5, 6], Ct);

        using (var other = await writer.StartUploadAsync("team/other", Ct))
        {
            await HtpasswdProxyTests.AssertDeniedAsync(other, "push allow-list");
        }

        using (var put = writer.Request(HttpMethod.Put, "/v2/team/other/manifests/v1"))
        {
            put.Content = new ByteArrayContent("{}"u8.ToArray());
            using var response = await proxy.Client.SendAsync(put, Ct);
            await HtpasswdProxyTests.AssertDeniedAsync(response, "pushing to " + fixture.Registry.Host + "/team/other");
        }

        using (var pull = await proxy.Client.GetAsync("/v2/private/thing/manifests/v1", Ct))
        {
            await HtpasswdProxyTests.AssertDeniedAsync(pull, "pull allow-list");
        }

        using (var mount = await writer.StartUploadAsync("team/app", Ct, $"mount={digest}&from=private/thing"))
        {
            await HtpasswdProxyTests.AssertDeniedAsync(mount, "mounting from");
        }

        using (var mount = await writer.StartUploadAsync("team/app/other", Ct, $"mount={digest}&from=team/app"))
        {
            Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        }

        using (var allowedPull = await proxy.Client.GetAsync("/v2/base/alpine/manifests/v1", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, allowedPull.StatusCode);
        }

        Assert.Equal(4, proxy.Logs.Lines.Count(l => l.Contains("[100]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Delete_and_catalog_are_refused_even_with_the_push_token()
    {
        var (proxy, writer) = await StartAsync();
        await using var _ = proxy;
        var digest = await writer.PushBlobAsync("team/app", [9, 9, 9], Ct);
        foreach (var path in new[] { $"/v2/team/app/blobs/{digest}", "/v2/team/app/manifests/v1" })
        {
            using var delete = await proxy.Client.SendAsync(writer.Request(HttpMethod.Delete, path), Ct);
            await HtpasswdProxyTests.AssertDeniedAsync(delete, "DELETE is not allowed");
        }

        // Cancelling an upload session is part of pushing: it passes with the push token (the registry answers).
        using var cancel = await proxy.Client.SendAsync(writer.Request(HttpMethod.Delete, "/v2/team/app/blobs/uploads/x"), Ct);
        Assert.NotEqual(HttpStatusCode.Forbidden, cancel.StatusCode);

        using var catalog = await proxy.Client.GetAsync("/v2/_catalog", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(catalog, "_catalog");
        using var blob = await proxy.Client.GetAsync($"/v2/team/app/blobs/{digest}", Ct);
        Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
    }

    [Fact]
    public async Task Mount_sources_hidden_in_repeats_or_form_bodies_are_refused()
    {
        var (proxy, writer) = await StartAsync();
        await using var _ = proxy;
        var digest = "sha256:" + new string('b', 64);
        using (var repeated = await writer.StartUploadAsync("team/app", Ct, $"mount={digest}&from=base/x&from=private/thing"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, repeated.StatusCode);
        }

        using var form = writer.Request(HttpMethod.Post, "/v2/team/app/blobs/uploads/?mount=" + digest + "&from=base/x");
        form.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["mount"] = digest, ["from"] = "private/thing" });
        using var response = await proxy.Client.SendAsync(form, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/v2/team/app/../other/manifests/v1")]
    [InlineData("/v2/team%2Fapp/manifests/v1")]
    public async Task Encoded_or_dotted_paths_are_refused(string path)
    {
        var (proxy, _) = await StartAsync();
        await using var __ = proxy;
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(proxy.BaseAddress.Host, proxy.BaseAddress.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), Ct);
        var answer = await new StreamReader(stream).ReadToEndAsync(Ct);
        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
    }
}
