using System.Net;
using System.Security.Cryptography;
using Kaniko.Executor.Build;
using Kaniko.Executor.Filesystem;
using Kaniko.Executor.Image;
using Kaniko.Executor.Registry;
using Kaniko.Executor.Tests.Filesystem.Support;
using Kaniko.Executor.Tests.Registry;

namespace Kaniko.Executor.Tests.Build;

/// <summary>Base image layers unpacked while they download, against a real docker-registry.</summary>
public sealed class BaseImageLoaderTests : IAsyncLifetime
{
    private const int BigFileSize = 8 << 20;

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(90));
    private readonly string _work = Directory.CreateTempSubdirectory("kaniko-loader-").FullName;
    private LocalRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await LocalRegistry.StartAsync();

    public Task DisposeAsync()
    {
        _registry.Dispose();
        _timeout.Dispose();
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    private string Root => Path.Combine(_work, "root");

    private string Blobs => Path.Combine(_work, "blobs");

    private RegistryClientOptions Options => new()
    {
        InsecureRegistries = new HashSet<string> { _registry.Host },
        Retries = 1,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task Unpacks_the_first_layer_while_it_downloads_and_keeps_the_verified_blobs()
    {
        var ct = _timeout.Token;
        var big = RandomBytes(BigFileSize);
        var first = WithBigFile("first.txt", "one", big);
        var second = new LayerBuilder().File("second.txt", "two").Tar();
        var image = TestImage.FromTars([first, second, second]);
        var reference = await PushAsync("stream/app:1", image, ct);
        var layer0 = image.Layers[0].Descriptor;
        var layer1 = image.Layers[1].Descriptor;
        using var handler = new ShapingHandler();
        var gate = handler.Gate(layer0.Digest, after: 4 << 20);

        using var client = new RegistryClient(Options, null, handler);
        var loader = new BaseImageLoader(client, Blobs, Platform.Parse("linux/amd64"));
        var resolved = await loader.ResolveAsync(reference, ct);
        Assert.All(resolved.Layers, l => Assert.False(File.Exists(l.Path)));
        var unpacking = loader.UnpackAsync(resolved, Root, Ignore(), ct);

        // Layer 0 is half downloaded: its first file is already in the root, its blob not yet in the store,
        // and layer 1 has been downloaded ahead.
        await WaitUntilAsync(() => File.Exists(Path.Combine(Root, "first.txt")) && File.Exists(resolved.Layers[1].Path), ct);
        Assert.False(unpacking.IsCompleted);
        Assert.False(File.Exists(resolved.Layers[0].Path));
        Assert.False(File.Exists(Path.Combine(Root, "second.txt")));

        gate.TrySetResult();
        var result = await unpacking;

        Assert.Equal(3, result.Layers);
        Assert.Equal(layer0.Size + layer1.Size, result.DownloadedBytes);
        Assert.Equal("one", File.ReadAllText(Path.Combine(Root, "first.txt")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(Root, "second.txt")));
        Assert.Equal(SHA256.HashData(big), SHA256.HashData(File.ReadAllBytes(Path.Combine(Root, "big.bin"))));
        Assert.Equal(image.Layers[0].Bytes, File.ReadAllBytes(resolved.Layers[0].Path));
        Assert.Equal(image.Layers[1].Bytes, File.ReadAllBytes(resolved.Layers[1].Path));
        Assert.Equal(1, handler.Downloads(layer1.Digest));
        AssertNoPartialBlobs();

        // Unpacking again (a later stage on the same base) reads the store and downloads nothing.
        var again = await loader.UnpackAsync(await loader.ResolveAsync(reference, ct), Path.Combine(_work, "root2"), Ignore(Path.Combine(_work, "root2")), ct);
        Assert.Equal(0, again.DownloadedBytes);
        Assert.Equal(1, handler.Downloads(layer0.Digest));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_corrupted_layer_fails_with_the_digest_error_and_leaves_no_blob(bool gzip)
    {
        var ct = _timeout.Token;
        var image = TestImage.FromTars([WithBigFile("a.txt", "a", RandomBytes(1 << 20)), new LayerBuilder().File("b.txt", "b").Tar()], gzip);
        var reference = await PushAsync("corrupt/app:1", image, ct);
        var (layer, bytes) = image.Layers[0];

        // Gzip: decompression breaks first. Plain tar: the extractor accepts the bytes, only the digest tells.
        var tampered = (byte[])bytes.Clone();
        tampered[bytes.Length / 2] ^= 0x55;
        await File.WriteAllBytesAsync(_registry.BlobDataPath(layer.Digest), tampered, ct);

        using var client = new RegistryClient(Options);
        var loader = new BaseImageLoader(client, Blobs, Platform.Parse("linux/amd64"));
        var resolved = await loader.ResolveAsync(reference, ct);
        var e = await Assert.ThrowsAsync<RegistryException>(() => loader.UnpackAsync(resolved, Root, Ignore(), ct));

        Assert.Contains(layer.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(resolved.Layers[0].Path));
        AssertNoPartialBlobs();
    }

    [Fact]
    public async Task A_broken_download_resumes_and_the_extractor_sees_each_byte_once()
    {
        var ct = _timeout.Token;
        var big = RandomBytes(3 << 20);
        var image = TestImage.FromTars([WithBigFile("a.txt", "a", big)]);
        var reference = await PushAsync("resume/app:1", image, ct);
        var layer = image.Layers[0].Descriptor;
        using var handler = new ShapingHandler();
        handler.BreakOnce(layer.Digest, after: (1 << 20) + 12345);

        using var client = new RegistryClient(Options, null, handler);
        var loader = new BaseImageLoader(client, Blobs, Platform.Parse("linux/amd64"));
        await loader.UnpackAsync(await loader.ResolveAsync(reference, ct), Root, Ignore(), ct);

        Assert.Equal(SHA256.HashData(big), SHA256.HashData(File.ReadAllBytes(Path.Combine(Root, "big.bin"))));
        Assert.Contains($"bytes={(1 << 20) + 12345}-", handler.Ranges);
        Assert.Equal(image.Layers[0].Bytes, File.ReadAllBytes(Path.Combine(Blobs, "sha256", layer.Digest.Encoded)));
    }

    [Fact]
    public async Task A_failed_later_download_stops_unpacking_at_once()
    {
        var ct = _timeout.Token;
        var image = TestImage.FromTars([WithBigFile("a.txt", "a", RandomBytes(BigFileSize)), new LayerBuilder().File("b.txt", "b").Tar()]);
        var reference = await PushAsync("missing/app:1", image, ct);
        using var handler = new ShapingHandler();
        handler.Gate(image.Layers[0].Descriptor.Digest, after: 1 << 20);
        handler.Refuse(image.Layers[1].Descriptor.Digest);

        using var client = new RegistryClient(Options, null, handler);
        var loader = new BaseImageLoader(client, Blobs, Platform.Parse("linux/amd64"));
        var resolved = await loader.ResolveAsync(reference, ct);
        var e = await Assert.ThrowsAsync<RegistryException>(() => loader.UnpackAsync(resolved, Root, Ignore(), ct));

        Assert.Contains(image.Layers[1].Descriptor.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(404, e.StatusCode);
        AssertNoPartialBlobs();
        Assert.Empty(Directory.EnumerateFiles(Blobs, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Cancellation_while_a_layer_downloads_ends_promptly_and_leaves_no_partial_blob()
    {
        var image = TestImage.FromTars([WithBigFile("a.txt", "a", RandomBytes(BigFileSize))]);
        var reference = await PushAsync("cancel/app:1", image, _timeout.Token);
        using var handler = new ShapingHandler();
        handler.Gate(image.Layers[0].Descriptor.Digest, after: 2 << 20);

        using var client = new RegistryClient(Options, null, handler);
        var loader = new BaseImageLoader(client, Blobs, Platform.Parse("linux/amd64"));
        var resolved = await loader.ResolveAsync(reference, _timeout.Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token);
        var unpacking = loader.UnpackAsync(resolved, Root, Ignore(), cancel.Token);
        await WaitUntilAsync(() => File.Exists(Path.Combine(Root, "a.txt")), _timeout.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => unpacking.WaitAsync(TimeSpan.FromSeconds(10)));
        AssertNoPartialBlobs();
    }

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A tar with a small file first, then big.bin: the small file shows early extraction.</summary>
    private static byte[] WithBigFile(string smallName, string smallContent, byte[] big)
    {
        using var output = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(output, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, smallName)
            {
                DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(smallContent)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "big.bin")
            {
                DataStream = new MemoryStream(big),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }

        return output.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(20, ct);
        }
    }

    private IgnoreList Ignore(string? root = null)
    {
        root ??= Root;
        Directory.CreateDirectory(root);
        return IgnoreList.Create(root, [], readMountInfo: false);
    }

    private async Task<string> PushAsync(string name, TestImage image, CancellationToken ct)
    {
        using var client = new RegistryClient(Options);
        var reference = ImageReference.Parse($"{_registry.Host}/{name}");
        await RegistryClientTests.PushAsync(client, reference, image, ct);
        return reference.ToString();
    }

    private void AssertNoPartialBlobs() =>
        Assert.Empty(Directory.Exists(Blobs) ? Directory.EnumerateFiles(Blobs, "*.partial", SearchOption.AllDirectories) : []);

    /// <summary>Shapes blob downloads by digest: pause after some bytes, break once, or answer 404.</summary>
    private sealed class ShapingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly Dictionary<string, (long After, TaskCompletionSource Gate)> _gates = [];
        private readonly Dictionary<string, long> _breaks = [];
        private readonly HashSet<string> _refused = [];
        private readonly Dictionary<string, int> _downloads = [];

        public List<string> Ranges { get; } = [];

        public TaskCompletionSource Gate(Digest digest, long after)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _gates[digest.ToString()] = (after, gate);
            return gate;
        }

        public void BreakOnce(Digest digest, long after) => _breaks[digest.ToString()] = after;

        public void Refuse(Digest digest) => _refused.Add(digest.ToString());

        public int Downloads(Digest digest)
        {
            lock (_downloads)
            {
                return _downloads.GetValueOrDefault(digest.ToString());
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var digest = path.Contains("/blobs/", StringComparison.Ordinal) && request.Method == HttpMethod.Get ? path[(path.LastIndexOf('/') + 1)..] : null;
            if (digest is null)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            lock (_downloads)
            {
                _downloads[digest] = _downloads.GetValueOrDefault(digest) + 1;
                if (request.Headers.Range is { } range)
                {
                    Ranges.Add(range.ToString());
                }
            }

            if (_refused.Contains(digest))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound)
                {
                    Content = new StringContent("""{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}""", System.Text.Encoding.UTF8, "application/json"),
                };
            }

            var response = await base.SendAsync(request, cancellationToken);
            Func<Stream, Stream>? wrap = null;
            if (_gates.TryGetValue(digest, out var gate))
            {
                wrap = inner => new ShapedStream(inner, gate.After, gate.Gate.Task, breaks: false);
            }
            else if (_breaks.Remove(digest, out var after))
            {
                wrap = inner => new ShapedStream(inner, after, Task.CompletedTask, breaks: true);
            }

            if (wrap is not null && response.IsSuccessStatusCode)
            {
                var content = new StreamContent(wrap(await response.Content.ReadAsStreamAsync(cancellationToken)));
                foreach (var header in response.Content.Headers)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = content;
            }

            return response;
        }
    }

    /// <summary>Passes <c>after</c> bytes, then waits for <c>gate</c> (or breaks the connection).</summary>
    private sealed class ShapedStream(Stream inner, long after, Task gate, bool breaks) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= after)
            {
                if (breaks)
                {
                    throw new IOException("connection reset by test");
                }

                await gate.WaitAsync(cancellationToken);
            }
            else
            {
                buffer = buffer[..(int)Math.Min(buffer.Length, after - _position)];
            }

            var n = await inner.ReadAsync(buffer, cancellationToken);
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
