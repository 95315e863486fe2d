using System.Net;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>The client against a real docker-registry over plain http.</summary>
public sealed class RegistryClientTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private LocalRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await LocalRegistry.StartAsync();

    public Task DisposeAsync()
    {
        _registry.Dispose();
        _timeout.Dispose();
        return Task.CompletedTask;
    }

    private RegistryClientOptions Options => new()
    {
        InsecureRegistries = new HashSet<string> { _registry.Host },
        Retries = 1,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    private ImageReference Ref(string name) => ImageReference.Parse($"{_registry.Host}/{name}");

    internal static async Task PushAsync(RegistryClient client, ImageReference reference, TestImage image, CancellationToken ct)
    {
        foreach (var (descriptor, bytes) in image.Layers)
        {
            await client.PushBlobAsync(reference, descriptor, () => new MemoryStream(bytes), ct);
        }

        await client.PushBlobAsync(reference, image.Config, () => new MemoryStream(image.ConfigBytes), ct);
        await client.PushManifestAsync(reference, image.ManifestBytes, image.MediaType, ct);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pushes_and_resolves_an_image(bool docker)
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options);
        var reference = Ref(docker ? "base/docker:1" : "base/oci:1");
        var image = TestImage.Create(docker: docker);
        await PushAsync(client, reference, image, ct);

        var pulled = await client.GetManifestAsync(reference, ct);
        Assert.Equal(image.MediaType, pulled.MediaType);
        Assert.Equal(image.Digest, pulled.Digest);
        Assert.Equal(image.ManifestBytes, pulled.Bytes.ToArray());

        var resolved = await client.ResolveImageAsync(reference, Platform.Parse("linux/amd64"), ct);
        Assert.Equal(reference.WithDigest(image.Digest), resolved.Reference);
        Assert.Equal(image.ConfigBytes, resolved.ConfigBytes.ToArray());
        Assert.Equal(image.MediaType, resolved.ManifestMediaType);
        Assert.Equal("/bin/sh", Assert.Single(resolved.Config.Config.Cmd!));

        var (layer, bytes) = image.Layers[1];
        await using var stream = await client.OpenBlobAsync(reference, layer, ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct);
        Assert.Equal(bytes, copy.ToArray());

        Assert.True(await client.BlobExistsAsync(reference, layer.Digest, ct));
        Assert.False(await client.BlobExistsAsync(reference, Digest.Sha256Of([1, 2, 3]), ct));

        var byDigest = await client.GetManifestAsync(reference.WithDigest(image.Digest) with { Tag = null }, ct);
        Assert.Equal(image.Digest, byDigest.Digest);
    }

    [Theory]
    [InlineData(false, "linux/arm64", "arm64")]
    [InlineData(false, "linux/arm64/v8", "arm64")]
    [InlineData(true, "linux/amd64", "amd64")]
    public async Task Follows_an_index_to_the_platform(bool docker, string platform, string expectedArchitecture)
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options);
        var reference = Ref("multi/app:1");
        var amd = TestImage.Create(docker: docker);
        var arm = TestImage.Create(docker: docker, architecture: "arm64", variant: "v8");
        await PushAsync(client, reference.WithTag("amd"), amd, ct);
        await PushAsync(client, reference.WithTag("arm"), arm, ct);
        var index = new ImageIndex(2, docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex, [
            amd.ManifestDescriptor(new Platform("amd64", "linux")),
            arm.ManifestDescriptor(new Platform("arm64", "linux") { Variant = "v8" }),
        ]);
        var indexBytes = ImageJson.Serialize(index);
        await client.PushManifestAsync(reference, indexBytes, index.MediaType!, ct);

        var resolved = await client.ResolveImageAsync(reference, Platform.Parse(platform), ct);
        Assert.Equal(expectedArchitecture, resolved.Config.Architecture);
        var expected = expectedArchitecture == "amd64" ? amd : arm;
        Assert.Equal(expected.Digest, resolved.Reference.Digest);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveImageAsync(reference, Platform.Parse("linux/s390x"), ct));
        Assert.Contains("no image for platform linux/s390x", e.Message, StringComparison.Ordinal);
        Assert.Contains("linux/arm64/v8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detects_a_corrupted_blob_in_the_registry()
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options);
        var reference = Ref("corrupt/app:1");
        var image = TestImage.Create(layerSizes: [5000]);
        await PushAsync(client, reference, image, ct);
        var (layer, bytes) = image.Layers[0];
        var tampered = (byte[])bytes.Clone();
        tampered[100] ^= 0xff;
        await File.WriteAllBytesAsync(_registry.BlobDataPath(layer.Digest), tampered, ct);

        await using var stream = await client.OpenBlobAsync(reference, layer, ct);
        var e = await Assert.ThrowsAsync<RegistryException>(() => stream.CopyToAsync(Stream.Null, ct));
        Assert.Contains(layer.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(reference.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(_registry.BlobDataPath(image.Config.Digest), [.. image.ConfigBytes, (byte)' '], ct);
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveImageAsync(reference, Platform.Parse("linux/amd64"), ct));
        Assert.Contains(image.Config.Digest.ToString(), e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tag_names_the_reference()
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options);
        var reference = Ref("nothing/here:nope");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(reference, ct));
        Assert.Equal(404, e.StatusCode);
        Assert.False(e.IsTransient);
        Assert.Contains(reference.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("MANIFEST_UNKNOWN", e.ErrorCodes);
    }

    [Fact]
    public async Task Mounts_a_known_blob_across_repositories_and_skips_present_ones()
    {
        var ct = _timeout.Token;
        var counting = new CountingHandler();
        using var client = new RegistryClient(Options, null, counting);
        var image = TestImage.Create();
        await PushAsync(client, Ref("mount/a:1"), image, ct);
        counting.Requests.Clear();

        await PushAsync(client, Ref("mount/b:1"), image, ct);
        Assert.DoesNotContain(counting.Requests, r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("/blobs/uploads/", StringComparison.Ordinal));
        Assert.Equal(3, counting.Requests.Count(r => r.Contains("mount=", StringComparison.Ordinal)));
        counting.Requests.Clear();

        await PushAsync(client, Ref("mount/b:2"), image, ct);
        Assert.DoesNotContain(counting.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
        Assert.True((await client.ResolveImageAsync(Ref("mount/b:2"), Platform.Parse("linux/amd64"), ct)).Reference.Digest == image.Digest);
    }

    [Fact]
    public async Task Several_destinations_upload_each_blob_once_per_registry()
    {
        var ct = _timeout.Token;
        var counting = new CountingHandler();
        using var client = new RegistryClient(Options, null, counting);
        var image = TestImage.Create(layerSizes: [1000, 2000, 3000]);
        var destinations = new[] { Ref("dest/one:1"), Ref("dest/two:1"), Ref("dest/two:latest") };
        var digest = await client.PushImageAsync(image.Content, destinations, ct);

        Assert.Equal(image.Digest, digest);
        Assert.Equal(4, counting.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("/blobs/uploads/", StringComparison.Ordinal)));
        Assert.Equal(4, counting.Requests.Count(r => r.Contains("mount=", StringComparison.Ordinal)));
        foreach (var destination in destinations)
        {
            Assert.Equal(image.Digest, (await client.GetManifestAsync(destination, ct)).Digest);
        }
    }

    [Fact]
    public async Task A_blob_shorter_than_described_fails_without_retries_and_leaves_nothing()
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options);
        var bytes = new byte[100_000];
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(bytes), bytes.Length);
        var reference = Ref("short/app:1");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.PushBlobAsync(reference, blob, () => new MemoryStream(bytes, 0, 60_000), ct));
        Assert.False(e.IsTransient);
        Assert.Contains("only 60000 bytes", e.Message, StringComparison.Ordinal);
        Assert.False(await client.BlobExistsAsync(reference, blob.Digest, ct));
    }

    [Fact]
    public async Task A_stalled_upload_is_aborted_retried_and_reported()
    {
        var ct = _timeout.Token;
        using var client = new RegistryClient(Options with { StallTimeout = TimeSpan.FromMilliseconds(300) });
        var bytes = new byte[50_000];
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(bytes), bytes.Length);
        var reference = Ref("stall/app:1");
        var opened = 0;
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.PushBlobAsync(reference, blob, () =>
        {
            Interlocked.Increment(ref opened);
            return new HangingStream(bytes[..20_000]);
        }, ct));
        Assert.True(e.IsTransient);
        Assert.Contains("stalled", e.Message, StringComparison.Ordinal);
        Assert.Contains("gave up after 2 attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, opened);
    }

    [Fact]
    public async Task Falls_back_to_patch_uploads_when_a_registry_refuses_single_request_ones()
    {
        var ct = _timeout.Token;
        var refusing = new RefusingMonolithicHandler();
        using var client = new RegistryClient(Options, null, refusing);
        var reference = Ref("patch/app:1");
        var image = TestImage.Create(layerSizes: [300_000, 1000]);
        await PushAsync(client, reference, image, ct);

        Assert.Equal(1, refusing.Refused);
        Assert.Equal(3, refusing.Patches);
        var resolved = await client.ResolveImageAsync(reference, Platform.Parse("linux/amd64"), ct);
        await using var stream = await client.OpenBlobAsync(resolved.Reference, image.Layers[0].Descriptor, ct);
        await stream.CopyToAsync(Stream.Null, ct);
    }

    [Fact]
    public async Task Push_permission_check_opens_and_cancels_an_upload()
    {
        var ct = _timeout.Token;
        var counting = new CountingHandler();
        using var client = new RegistryClient(Options, null, counting);
        await client.CheckPushPermissionAsync(Ref("perm/app:1"), ct);
        Assert.Contains(counting.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
        Assert.Contains(counting.Requests, r => r.StartsWith("DELETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Proxy_mode_sends_everything_to_the_proxy_with_ns_and_the_push_token()
    {
        var ct = _timeout.Token;
        var counting = new CountingHandler();
        var options = new RegistryClientOptions
        {
            RegistryProxy = new Uri($"http://{_registry.Host}/"),
            PushToken = "push-token-123",
            Retries = 0,
        };
        using var client = new RegistryClient(options, null, counting);
        var reference = ImageReference.Parse("registry.example.com/team/app:1");
        var image = TestImage.Create();
        await PushAsync(client, reference, image, ct);
        var resolved = await client.ResolveImageAsync(reference, Platform.Parse("linux/amd64"), ct);
        Assert.Equal("registry.example.com", resolved.Reference.Registry);
        Assert.All(counting.Uris, u => Assert.Equal(_registry.Port, u.Port));
        Assert.All(counting.Uris, u => Assert.Contains("ns=registry.example.com", u.Query, StringComparison.Ordinal));
        Assert.All(counting.Messages.Where(m => m.Method != HttpMethod.Get && m.Method != HttpMethod.Head), m => Assert.Equal("push-token-123", m.Token));
        Assert.All(counting.Messages.Where(m => m.Method == HttpMethod.Get || m.Method == HttpMethod.Head), m => Assert.Null(m.Token));
        Assert.True(_registry.HasTag("team/app", "1"));
    }

    [Fact]
    public async Task Resumes_a_broken_download_with_a_range_request()
    {
        var ct = _timeout.Token;
        using var pushClient = new RegistryClient(Options);
        var reference = Ref("resume/app:1");
        var image = TestImage.Create(layerSizes: [3 * 1024 * 1024]);
        await PushAsync(pushClient, reference, image, ct);

        var breaking = new BreakingHandler(breakAfter: 1024 * 1024);
        using var client = new RegistryClient(Options, null, breaking);
        var (layer, bytes) = image.Layers[0];
        await using var stream = await client.OpenBlobAsync(reference, layer, ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Contains("bytes=1048576-", breaking.Ranges);
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<string> Requests { get; } = [];

        public List<Uri> Uris { get; } = [];

        public List<(HttpMethod Method, string? Token)> Messages { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add($"{request.Method} {request.RequestUri}");
                Uris.Add(request.RequestUri!);
                Messages.Add((request.Method, request.Headers.TryGetValues("Kaniko-Push-Token", out var v) ? v.Single() : null));
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Answers 405 to a PUT upload with a body, as registries without single-request uploads do.</summary>
    private sealed class RefusingMonolithicHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Refused { get; private set; }

        public int Patches { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Patch)
            {
                Patches++;
            }

            if (request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.Contains("/blobs/uploads/", StringComparison.Ordinal) && request.Content?.Headers.ContentLength > 0)
            {
                Refused++;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.MethodNotAllowed));
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Breaks the first blob download after some bytes, as a dropped connection would.</summary>
    private sealed class BreakingHandler(long breakAfter) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _broken;

        public List<string> Ranges { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Range is { } range)
            {
                Ranges.Add(range.ToString());
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/blobs/", StringComparison.Ordinal)
                && response.StatusCode == HttpStatusCode.OK && Interlocked.Exchange(ref _broken, 1) == 0)
            {
                var inner = await response.Content.ReadAsStreamAsync(cancellationToken);
                var content = new StreamContent(new BreakingStream(inner, breakAfter));
                foreach (var header in response.Content.Headers)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = content;
            }

            return response;
        }
    }

    private sealed class BreakingStream(Stream inner, long breakAfter) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= breakAfter)
            {
                throw new IOException("connection reset by test");
            }

            var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, breakAfter - _position)], cancellationToken);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
