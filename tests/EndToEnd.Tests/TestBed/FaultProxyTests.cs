using System.Net;
using Kaniko.TestKit;

namespace Kaniko.EndToEnd.Tests.TestBedSmoke;

[Trait("Category", "TestBed")]
public sealed class FaultProxyTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Proxy_forwards_pushes_and_cuts_a_download_after_the_given_bytes()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.Host, Ct);
        var layout = await BaseImages.BusyboxLayoutAsync(Ct);

        await Skopeo.CopyAsync(layout, $"{proxy.Host}/busybox:1", Ct);
        using var manifest = await Skopeo.InspectRawAsync($"{proxy.Host}/busybox:1", null, Ct);
        var layer = manifest.RootElement.GetProperty("layers")[0];
        var blob = new Uri($"http://{proxy.Host}/v2/busybox/blobs/{layer.GetProperty("digest").GetString()}");
        using var http = new HttpClient();
        var whole = await http.GetByteArrayAsync(blob, Ct);
        proxy.DropNextConnections(1, afterResponseBytes: 1000);
        using var noKeepAlive = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
        var cut = await Assert.ThrowsAnyAsync<Exception>(() => noKeepAlive.GetByteArrayAsync(blob, Ct));

        Assert.Equal(layer.GetProperty("size").GetInt64(), whole.LongLength);
        Assert.True(cut is HttpRequestException or IOException, cut.ToString());
        Assert.True(proxy.BytesToTarget > whole.LongLength);
    }

    [Fact]
    public async Task Proxy_rejects_then_stops_and_resumes_accepting()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryAuthMode.Plain, Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.Host, Ct);
        var v2 = new Uri($"http://{proxy.Host}/v2/");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });

        proxy.RejectNextConnections(1);
        var rejected = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(v2, Ct));
        using var afterReject = await http.GetAsync(v2, Ct);
        proxy.StopAccepting();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(v2, Ct));
        proxy.ResumeAccepting();
        using var resumed = await http.GetAsync(v2, Ct);

        Assert.Equal(HttpStatusCode.OK, afterReject.StatusCode);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.IsType<System.Net.Sockets.SocketException>(refused.InnerException);
        Assert.NotNull(rejected);
    }
}
