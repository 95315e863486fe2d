using System.Net;
using System.Text;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;

namespace Kaniko.Executor.Tests.Registry;

/// <summary>Failure handling against stubbed answers: each error names the reference and says what to do.</summary>
public sealed class RegistryFailureTests : IDisposable
{
    private static readonly ImageReference _reference = ImageReference.Parse("reg.example.com/team/app:1");
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public void Dispose() => _timeout.Dispose();

    private static RegistryClientOptions Options(int retries = 2) => new()
    {
        Retries = retries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
    };

    [Fact]
    public async Task Schema1_is_refused_with_a_rebuild_hint()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json("""{"schemaVersion":1,"name":"team/app","tag":"1","fsLayers":[]}""", MediaTypes.DockerManifestSchema1Signed));
        using var client = new RegistryClient(Options(), null, stub);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveImageAsync(_reference, Platform.Parse("linux/amd64"), _timeout.Token));
        Assert.Contains("schema 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("rebuild", e.Message, StringComparison.Ordinal);
        Assert.Contains(_reference.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("null")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:zz","size":1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2}""")]
    public async Task Malformed_manifests_are_registry_errors(string body)
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(body, MediaTypes.OciManifest));
        using var client = new RegistryClient(Options(), null, stub);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveImageAsync(_reference, Platform.Parse("linux/amd64"), _timeout.Token));
        Assert.Contains(_reference.ToString(), e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task A_manifest_with_another_digest_than_asked_is_refused()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json("""{"schemaVersion":2,"manifests":[]}""", MediaTypes.OciIndex));
        using var client = new RegistryClient(Options(), null, stub);
        var reference = _reference.WithDigest(Digest.Sha256Of("other"u8));
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(reference, _timeout.Token));
        Assert.Contains("not the one asked for", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_5xx_and_429_then_succeeds()
    {
        var stub = new StubHandler((_, n) => n switch
        {
            0 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            1 => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero) } },
            _ => StubHandler.Json("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"""),
        });
        using var client = new RegistryClient(Options(retries: 2), null, stub);
        var pulled = await client.GetManifestAsync(_reference, _timeout.Token);
        Assert.Equal(MediaTypes.OciIndex, pulled.MediaType);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task Gives_up_after_the_retries_with_the_registry_codes()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json("""{"errors":[{"code":"UNAVAILABLE","message":"backend down"}]}""", status: HttpStatusCode.BadGateway));
        using var client = new RegistryClient(Options(retries: 2), null, stub);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(_reference, _timeout.Token));
        Assert.True(e.IsTransient);
        Assert.Equal(502, e.StatusCode);
        Assert.Equal(["UNAVAILABLE"], e.ErrorCodes);
        Assert.Contains("backend down", e.Message, StringComparison.Ordinal);
        Assert.Contains("gave up after 3 attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task Unauthorized_through_the_proxy_points_at_the_proxy_credentials()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""", status: HttpStatusCode.Unauthorized));
        var options = Options() with { RegistryProxy = new Uri("http://127.0.0.1:1/") };
        using var client = new RegistryClient(options, null, stub);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(_reference, _timeout.Token));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("credential proxy for reg.example.com", e.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
        Assert.Equal("http://127.0.0.1:1/v2/team/app/manifests/1?ns=reg.example.com", stub.Requests[0].RequestUri!.ToString());
    }

    [Fact]
    public async Task Docker_hub_images_go_to_the_proxy_with_ns_docker_io()
    {
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.NotFound));
        var options = Options() with { RegistryProxy = new Uri("http://127.0.0.1:9/prefix/") };
        using var client = new RegistryClient(options, null, stub);
        Assert.Null(await client.TryGetManifestAsync(ImageReference.Parse("busybox"), _timeout.Token));
        Assert.Equal("http://127.0.0.1:9/prefix/v2/library/busybox/manifests/latest?ns=docker.io", stub.Requests.Single().RequestUri!.ToString());
    }

    [Fact]
    public async Task Docker_hub_images_go_to_registry_1_without_a_proxy()
    {
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.NotFound));
        using var client = new RegistryClient(Options(), null, stub);
        Assert.Null(await client.TryGetManifestAsync(ImageReference.Parse("user/app:2"), _timeout.Token));
        Assert.Equal("https://registry-1.docker.io/v2/user/app/manifests/2", stub.Requests.Single().RequestUri!.ToString());
    }

    [Fact]
    public async Task A_registry_that_does_not_answer_times_out()
    {
        var stub = new StubHandler(async (_, _) =>
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var options = Options(retries: 0) with { ResponseHeadersTimeout = TimeSpan.FromMilliseconds(100) };
        using var client = new RegistryClient(options, null, new CancellableStub(stub));
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(_reference, _timeout.Token));
        Assert.True(e.IsTransient);
        Assert.Contains("did not answer within 0.1 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_body_that_stalls_is_a_transient_error_not_a_hang()
    {
        var stub = new StubHandler((_, _) =>
        {
            var content = new StreamContent(new HangingStream(Encoding.ASCII.GetBytes("{\"schemaVersion\":2,")));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        var options = Options(retries: 1) with { StallTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = new RegistryClient(options, null, stub);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(_reference, _timeout.Token));

        Assert.True(e.IsTransient);
        Assert.Contains("reg.example.com/team/app:1", e.Message, StringComparison.Ordinal);
        Assert.Contains("stopped sending after 19 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("gave up after 2 attempts", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_answer_whose_body_stalls_still_reports_its_status()
    {
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.InternalServerError)
        {
            Content = new StreamContent(new HangingStream(Encoding.ASCII.GetBytes("{\"errors\":"))),
        });
        var options = Options(retries: 0) with { StallTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = new RegistryClient(options, null, stub);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(_reference, _timeout.Token));

        Assert.Equal(500, e.StatusCode);
        Assert.Contains("internal error", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stalled_download_is_resumed()
    {
        var content = Encoding.ASCII.GetBytes(new string('x', 10_000));
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(content), content.Length);
        var stub = new StubHandler((request, n) =>
        {
            if (n == 0)
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new HangingStream(content[..4000])) };
            }

            var from = (int)request.Headers.Range!.Ranges.Single().From!.Value;
            var response = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(content[from..]) };
            response.Content.Headers.ContentRange = new System.Net.Http.Headers.ContentRangeHeaderValue(from, content.Length - 1, content.Length);
            return response;
        });
        var options = Options() with { StallTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = new RegistryClient(options, null, stub);
        await using var stream = await client.OpenBlobAsync(_reference, blob, _timeout.Token);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, _timeout.Token);
        Assert.Equal(content, copy.ToArray());
        Assert.Equal("bytes=4000-", stub.Requests[1].Headers.Range!.ToString());
    }

    [Fact]
    public async Task A_resumed_download_skips_what_it_has_when_the_registry_ignores_ranges()
    {
        var content = new byte[100_000];
        Random.Shared.NextBytes(content);
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(content), content.Length);
        var stub = new StubHandler((_, n) => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(n == 0 ? new HangingStream(content[..30_000]) : new MemoryStream(content)),
        });
        var options = Options() with { StallTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = new RegistryClient(options, null, stub);
        await using var stream = await client.OpenBlobAsync(_reference, blob, _timeout.Token);
        var copy = new byte[content.Length];
        var read = 0;
        int n;
        while ((n = stream.Read(copy, read, Math.Min(7000, copy.Length - read))) > 0)
        {
            read += n;
        }

        Assert.Equal(content, copy);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task A_truncated_blob_names_blob_and_reference()
    {
        var content = new byte[1000];
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(content), 2000);
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) });
        using var client = new RegistryClient(Options(), null, stub);
        await using var stream = await client.OpenBlobAsync(_reference, blob, _timeout.Token);
        var e = await Assert.ThrowsAsync<RegistryException>(() => stream.CopyToAsync(Stream.Null, _timeout.Token));
        Assert.Contains(blob.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(_reference.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Immutable_tag_errors_are_ignored_when_asked()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json("""{"errors":[{"code":"TAG_INVALID","message":"tag is immutable"}]}""", status: HttpStatusCode.BadRequest));
        using var strict = new RegistryClient(Options(), null, stub);
        var e = await Assert.ThrowsAsync<RegistryException>(() => strict.PushManifestAsync(_reference, "{}"u8.ToArray(), MediaTypes.OciManifest, _timeout.Token));
        Assert.True(e.IsImmutableTagError);
        Assert.Contains("--push-ignore-immutable-tag-errors", e.Message, StringComparison.Ordinal);

        using var lenient = new RegistryClient(Options() with { PushIgnoreImmutableTagErrors = true }, null, stub);
        var digest = await lenient.PushManifestAsync(_reference, "{}"u8.ToArray(), MediaTypes.OciManifest, _timeout.Token);
        Assert.Equal(Digest.Sha256Of("{}"u8), digest);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://127.0.0.1:1/")]
    public async Task Relative_upload_locations_are_resolved(string? proxy)
    {
        var content = "layer"u8.ToArray();
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(content), content.Length);
        var stub = new StubHandler((request, _) => request.Method.Method switch
        {
            "HEAD" => new HttpResponseMessage(HttpStatusCode.NotFound),
            "POST" => new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { Location = new Uri("/v2/team/app/blobs/uploads/abc?_state=s1", UriKind.Relative) } },
            _ => new HttpResponseMessage(HttpStatusCode.Created),
        });
        var options = Options() with { RegistryProxy = proxy is null ? null : new Uri(proxy) };
        using var client = new RegistryClient(options, null, stub);
        await client.PushBlobAsync(_reference, blob, () => new MemoryStream(content), _timeout.Token);
        var put = stub.Requests.Single(r => r.Method == HttpMethod.Put).RequestUri!.ToString();
        var expected = proxy is null
            ? $"https://reg.example.com/v2/team/app/blobs/uploads/abc?_state=s1&digest={Uri.EscapeDataString(blob.Digest.ToString())}"
            : $"http://127.0.0.1:1/v2/team/app/blobs/uploads/abc?_state=s1&ns=reg.example.com&digest={Uri.EscapeDataString(blob.Digest.ToString())}";
        Assert.Equal(expected, put);
    }

    [Fact]
    public async Task Content_that_changed_since_it_was_described_is_not_retried()
    {
        var stub = new StubHandler(async (request, _) =>
        {
            if (request.Method == HttpMethod.Put)
            {
                await request.Content!.CopyToAsync(Stream.Null);
                return new HttpResponseMessage(HttpStatusCode.Created);
            }

            return request.Method == HttpMethod.Head
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { Location = new Uri("https://reg.example.com/v2/team/app/blobs/uploads/x") } };
        });
        using var client = new RegistryClient(Options(), null, stub);
        var blob = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256Of(new byte[10]), 10);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.PushBlobAsync(_reference, blob, () => new MemoryStream(new byte[7]), _timeout.Token));
        Assert.False(e.IsTransient);
        Assert.Contains("only 7 bytes, not the 10", e.Message, StringComparison.Ordinal);
        Assert.Contains(blob.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests, r => r.Method == HttpMethod.Put);
    }

    /// <summary>Passes the request's cancellation to a stub that would otherwise hang.</summary>
    private sealed class CancellableStub(StubHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            base.SendAsync(request, cancellationToken).WaitAsync(cancellationToken);
    }
}
