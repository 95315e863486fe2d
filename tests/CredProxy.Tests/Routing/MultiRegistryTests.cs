using System.Text;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Hosting;
using Kaniko.CredProxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kaniko.CredProxy.Tests.Routing;

/// <summary>One proxy in front of a Basic and a token registry at once; skopeo through bound listeners.</summary>
public sealed class MultiRegistryTests(HtpasswdRegistryFixture basic, TokenRegistryFixture token)
    : IClassFixture<HtpasswdRegistryFixture>, IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(90));

    private CancellationToken Ct => _cts.Token;

    public void Dispose() => _cts.Dispose();

    private ProxyOptions Options(bool listeners) => new()
    {
        RequirePushToken = false,
        DefaultUpstream = basic.Registry.Host,
        Upstreams =
        [
            ProxyServer.Upstream(basic.Registry, HtpasswdRegistryFixture.User, HtpasswdRegistryFixture.Password) with { Listen = listeners ? "127.0.0.1:0" : null },
            ProxyServer.Upstream(token.Registry, TokenRegistryFixture.User, TokenRegistryFixture.Password) with { Listen = listeners ? "127.0.0.1:0" : null },
        ],
    };

    [Fact]
    public async Task Ns_picks_the_registry_per_request()
    {
        await using var proxy = await ProxyServer.StartAsync(Options(listeners: false), Ct);
        var data = Encoding.UTF8.GetBytes("multi-" + Guid.NewGuid());
        var toBasic = new OciClient(proxy.Client, basic.Registry.Host, null);
        var toToken = new OciClient(proxy.Client, token.Registry.Host, null);
        var digest = await toBasic.PushBlobAsync("multi/basic", data, Ct);
        await toToken.PushBlobChunkedAsync("multi/token", data, Ct);

        Assert.Equal(data, await toToken.GetAsync($"/v2/multi/token/blobs/{digest}", Ct));
        Assert.Equal(data, await new OciClient(proxy.Client, null, null).GetAsync($"/v2/multi/basic/blobs/{digest}", Ct));
        using var missing = await proxy.Client.GetAsync(toToken.Url($"/v2/multi/basic/blobs/{digest}"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Skopeo_copies_between_registries_through_bound_listeners()
    {
        await using var proxy = await ProxyServer.StartAsync(Options(listeners: true), Ct);
        var addresses = proxy.App.Services.GetRequiredService<ListenerBindings>().BoundAddresses().ToList();
        string Listener(RegistryProcess registry) => new Uri(addresses.Single(a => a.Upstream?.Host == registry.Host).Url).Authority;
        var work = Directory.CreateTempSubdirectory("credproxy-skopeo-");
        try
        {
            var source = Path.Combine(work.FullName, "src");
            var manifestDigest = OciLayout.Write(source, "v1", 200_000);
            await Skopeo.CopyAsync($"oci:{source}:v1", $"docker://{Listener(basic.Registry)}/skopeo/app:v1", Ct);
            await Skopeo.CopyAsync($"docker://{Listener(basic.Registry)}/skopeo/app:v1", $"docker://{Listener(token.Registry)}/skopeo/copy:v1", Ct);
            var back = Path.Combine(work.FullName, "back");
            await Skopeo.CopyAsync($"docker://{Listener(token.Registry)}/skopeo/copy:v1", $"oci:{back}:v1", Ct);
            Assert.True(File.Exists(Path.Combine(back, "blobs", "sha256", manifestDigest["sha256:".Length..])));
            var manifest = await new OciClient(proxy.Client, token.Registry.Host, null).GetAsync("/v2/skopeo/copy/manifests/v1", Ct, OciClient.ManifestType);
            Assert.Equal(manifestDigest, OciClient.Digest(manifest));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bound_listener_refuses_another_registrys_ns()
    {
        await using var proxy = await ProxyServer.StartAsync(Options(listeners: true), Ct);
        var bound = proxy.App.Services.GetRequiredService<ListenerBindings>().BoundAddresses().Single(a => a.Upstream?.Host == basic.Registry.Host);
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{bound.Url}/v2/x/tags/list?ns={Uri.EscapeDataString(token.Registry.Host)}", Ct);
        await HtpasswdProxyTests.AssertDeniedAsync(response, $"serves registry {basic.Registry.Host} only");
    }
}
