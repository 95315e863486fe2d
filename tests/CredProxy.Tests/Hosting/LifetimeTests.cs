using System.Net;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;

namespace Kaniko.CredProxy.Tests.Hosting;

/// <summary>Health endpoints and graceful shutdown with an upload in flight.</summary>
public sealed class LifetimeTests(HtpasswdRegistryFixture fixture) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _cts.Token;

    public void Dispose() => _cts.Dispose();

    private Task<ProxyServer> StartAsync() => ProxyServer.StartAsync(
        new ProxyOptions
        {
            Upstreams = [ProxyServer.Upstream(fixture.Registry, HtpasswdRegistryFixture.User, HtpasswdRegistryFixture.Password)],
            RequirePushToken = false,
            ShutdownTimeout = TimeSpan.FromSeconds(20),
        },
        Ct);

    [Fact]
    public async Task Health_endpoints_answer()
    {
        await using var proxy = await StartAsync();
        using var live = await proxy.Client.GetAsync("/healthz", Ct);
        using var ready = await proxy.Client.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var other = await proxy.Client.GetAsync("/nothing-here", Ct);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Stopping_lets_an_upload_in_flight_finish()
    {
        var proxy = await StartAsync();
        try
        {
            var oci = new OciClient(proxy.Client, null, null);
            using var start = await oci.StartUploadAsync("life/cycle", Ct);
            var data = new byte[2_000_000];
            Random.Shared.NextBytes(data);
            var gate = new TaskCompletionSource();
            using var put = oci.Request(HttpMethod.Put, OciClient.AddQuery(start.Headers.Location!, "digest=" + OciClient.Digest(data)));
            put.Content = new GatedContent(data, gate.Task);
            var upload = proxy.Client.SendAsync(put, Ct);
            await Task.Delay(200, Ct);
            var stop = proxy.App.StopAsync(Ct);
            await Task.Delay(200, Ct);
            Assert.False(stop.IsCompleted);
            gate.SetResult();
            using var response = await upload;
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            await stop;
        }
        finally
        {
            await proxy.DisposeAsync();
        }
    }

    /// <summary>Sends the first half, waits for the gate, then the rest.</summary>
    private sealed class GatedContent(byte[] data, Task gate) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var half = data.Length / 2;
            await stream.WriteAsync(data.AsMemory(0, half), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await gate.WaitAsync(cancellationToken);
            await stream.WriteAsync(data.AsMemory(half), cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }
}
