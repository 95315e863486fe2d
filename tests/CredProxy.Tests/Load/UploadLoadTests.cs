using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Kaniko.CredProxy.Configuration;
using Kaniko.CredProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Kaniko.CredProxy.Tests.Load;

/// <summary>Bounded load through the proxy: many concurrent large uploads, and an upstream that dies mid-upload.</summary>
[Trait("Category", "Load")]
public sealed class UploadLoadTests(ITestOutputHelper output) : IDisposable
{
    private const int Uploads = 50;
    private const int BlobBytes = 20 * 1024 * 1024;

    private readonly CancellationTokenSource _cts = new(TimeSpan.FromMinutes(3));

    private CancellationToken Ct => _cts.Token;

    public void Dispose() => _cts.Dispose();

    [Fact]
    public async Task Fifty_concurrent_20MB_uploads_arrive_with_correct_digests()
    {
        await using var registry = await RegistryProcess.StartHtpasswdAsync("load", "load-pass", Ct);
        await using var proxy = await ProxyServer.StartAsync(
            new ProxyOptions { Upstreams = [ProxyServer.Upstream(registry, "load", "load-pass")], RequirePushToken = false },
            Ct);
        var shared = new byte[BlobBytes - 16];
        Random.Shared.NextBytes(shared);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Uploads, UseProxy = false }) { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        var oci = new OciClient(http, null, null);
        var watch = Stopwatch.StartNew();
        var digests = await Task.WhenAll(Enumerable.Range(0, Uploads).Select(i => UploadAsync(oci, http, i, shared)));
        watch.Stop();
        output.WriteLine($"{Uploads} x {BlobBytes / 1024 / 1024} MB in {watch.Elapsed.TotalSeconds:F1} s ({Uploads * (double)BlobBytes / 1024 / 1024 / watch.Elapsed.TotalSeconds:F0} MB/s)");

        Assert.Equal(Uploads, digests.Distinct().Count());
        foreach (var (digest, i) in digests.Select((d, i) => (d, i)).Where(x => x.i % 10 == 0))
        {
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/load/blob{i}/blobs/{digest}"), Ct);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(BlobBytes, head.Content.Headers.ContentLength);
            Assert.Equal(digest, head.Headers.GetValues("Docker-Content-Digest").Single());
        }
    }

    private async Task<string> UploadAsync(OciClient oci, HttpClient http, int index, byte[] shared)
    {
        var prefix = new byte[16];
        BitConverter.TryWriteBytes(prefix, index);
        RandomNumberGenerator.Fill(prefix.AsSpan(4));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(prefix);
        hash.AppendData(shared);
        var digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        using var start = await oci.StartUploadAsync($"load/blob{index}", Ct);
        await OciClient.EnsureAsync(start, HttpStatusCode.Accepted, Ct);
        using var put = new HttpRequestMessage(HttpMethod.Put, OciClient.AddQuery(start.Headers.Location!, "digest=" + digest))
        {
            Content = new PrefixedContent(prefix, shared, Task.CompletedTask),
        };
        using var done = await http.SendAsync(put, Ct);
        await OciClient.EnsureAsync(done, HttpStatusCode.Created, Ct);
        Assert.Equal(digest, done.Headers.GetValues("Docker-Content-Digest").Single());
        return digest;
    }

    [Fact]
    public async Task Upstream_killed_mid_upload_gives_a_prompt_error()
    {
        var registry = await RegistryProcess.StartHtpasswdAsync("load", "load-pass", Ct);
        await using var _ = registry;
        await using var proxy = await ProxyServer.StartAsync(
            new ProxyOptions { Upstreams = [ProxyServer.Upstream(registry, "load", "load-pass")], RequirePushToken = false },
            Ct);
        var oci = new OciClient(proxy.Client, null, null);
        using var start = await oci.StartUploadAsync("load/killed", Ct);
        await OciClient.EnsureAsync(start, HttpStatusCode.Accepted, Ct);
        var gate = new TaskCompletionSource();
        var data = new byte[BlobBytes];
        using var put = new HttpRequestMessage(HttpMethod.Put, OciClient.AddQuery(start.Headers.Location!, "digest=sha256:" + new string('0', 64)))
        {
            Content = new PrefixedContent(new byte[4 * 1024 * 1024], data, gate.Task),
        };
        var upload = proxy.Client.SendAsync(put, Ct);
        await Task.Delay(300, Ct);
        registry.Kill();
        var watch = Stopwatch.StartNew();
        gate.SetResult();
        try
        {
            using var response = await upload.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("UNAVAILABLE", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            // The proxy may close the connection while the client still sends: also a prompt error.
        }

        output.WriteLine($"error after {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains(proxy.Logs.Lines, l => l.Contains("[102]", StringComparison.Ordinal));
    }

    /// <summary>A prefix, then (after <paramref name="gate"/>) a shared body, without copying either.</summary>
    private sealed class PrefixedContent(byte[] prefix, byte[] body, Task gate) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(prefix, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await gate.WaitAsync(cancellationToken);
            for (var offset = 0; offset < body.Length; offset += 1 << 20)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(1 << 20, body.Length - offset)), cancellationToken);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = prefix.Length + body.Length;
            return true;
        }
    }
}
